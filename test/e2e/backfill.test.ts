import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RepoEvent } from '../../src/core/events.js'
import { NSID } from '../../src/core/nsid.js'
import { SqlStore } from '../../src/store/sql-store.js'
import { SqliteDriver } from '../../src/store/sqlite-driver.js'
import { communityIdOf, configUriOf, hashtagOf } from '../../src/core/community-id.js'
import { atrarium } from '../support/cli-process.js'
import { collidingRkeys } from '../support/collision.js'
import { devNetwork } from '../support/dev-network.js'
import { indexHarness } from '../support/index-harness.js'
import { RelayListing } from '../support/relay-listing.js'

let dev: Awaited<ReturnType<typeof devNetwork>>
const dirs: string[] = []
beforeAll(async () => {
  dev = await devNetwork(['alice', 'bob', 'carol', 'dave'])
}, 60_000)
afterAll(async () => {
  await dev?.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'atrarium-backfill-'))
  dirs.push(d)
  return d
}

const cli = async (user: string | undefined, ...args: string[]) => {
  const r = await atrarium([...args, ...(user ? dev.as(user) : []), '--json'], dev.env)
  expect(r.code, r.stderr).toBe(0)
  return r.json
}
const backfill = (dir: string, ...extra: string[]) => cli(undefined, 'backfill', '--pds', dev.pdsUrl, '--data-dir', dir, ...extra)

/** Configs, memberships and actions: what a backfill rebuilds. */
function snapshot(file: string) {
  const db = new Database(file, { readonly: true })
  try {
    return {
      configs: db.prepare('SELECT uri, id, owner, record FROM configs ORDER BY uri').all(),
      // seen_us is when this index first saw a record: a rebuild sees it later than the stream did.
      memberships: db.prepare('SELECT uri, did, community, role, joined_at, active FROM memberships ORDER BY uri').all(),
      actions: db.prepare('SELECT uri, actor, community, action, target, reason, created_at, created_us FROM actions ORDER BY uri').all(),
    }
  } finally {
    db.close()
  }
}

/** Every net.atrarium.* record on the PDS (and posts, if asked), as create events a live index would have received. */
async function eventsFromPds(collections: string[] = [NSID.action, NSID.membership, NSID.config]): Promise<RepoEvent[]> {
  const out: RepoEvent[] = []
  for (const { did, agent } of Object.values(dev.users)) {
    for (const collection of collections) {
      const res = await agent.com.atproto.repo.listRecords({ repo: did, collection, limit: 100 })
      for (const r of res.data.records) {
        out.push({ op: 'create', did, collection, rkey: r.uri.split('/').pop()!, record: r.value, timeUs: Date.now() * 1000, cursor: 0 })
      }
    }
  }
  return out
}

let expected: ReturnType<typeof snapshot>
let birds: { uri: string; id: string; hashtag: string }

/** The posts index, communities named by URI (their integer keys depend on arrival order). */
function postRows(file: string) {
  const db = new Database(file, { readonly: true })
  try {
    return db.prepare('SELECT p.post_key, k.uri, p.sort_us, p.hidden, p.blocked FROM posts p JOIN community_keys k ON k.key = p.community ORDER BY 1, 2').all()
  } finally {
    db.close()
  }
}

beforeAll(async () => {
  const { bob, carol, dave } = dev.users
  const c = await cli('alice', 'community', 'create', '--name', 'Birds', '--moderator', bob!.did)
  birds = c
  const other = await cli('bob', 'community', 'create', '--name', 'Fish', '--parent', c.uri, '--feed-mix', '60,40,0')
  for (const user of ['bob', 'carol', 'dave']) await cli(user, 'join', c.uri)
  await cli('carol', 'join', other.uri)
  const post = await carol!.agent.post({ text: `hello ${c.hashtag}` })
  await cli('bob', 'hide', post.uri, '--community', c.uri, '--reason', 'spoiler')
  await cli('alice', 'block', dave!.did, '--community', c.uri)

  // The index a live service would hold: the same records through the Indexer, in another order.
  const live = indexHarness()
  live.apply(...(await eventsFromPds()))
  const { posts: _posts, ...state } = live.snapshot()
  expected = state as typeof expected
  live.close()
  expect(expected.configs).toHaveLength(2)
  expect(expected.memberships).toHaveLength(4)
  expect(expected.actions).toHaveLength(2)
}, 120_000)

describe('atrarium backfill --pds', () => {
  it('rebuilds the same state into an empty data directory, and again idempotently', async () => {
    const dir = dataDir()
    const first = await backfill(dir)
    expect(first).toMatchObject({ ok: true, complete: true, records: { configs: 2, memberships: 4, actions: 2 }, rejected: 0 })
    expect(first.repos).toMatchObject({ total: 4, done: 4, readThisRun: 4, failed: [] })
    expect(snapshot(join(dir, 'atrarium.sqlite'))).toEqual(expected)

    const second = await backfill(dir, '--concurrency', '1')
    expect(second).toMatchObject({ complete: true, repos: { readThisRun: 4 } })
    expect(snapshot(join(dir, 'atrarium.sqlite'))).toEqual(expected)
  }, 60_000)

  it('resumes an interrupted run without re-reading finished repos', async () => {
    const dir = dataDir()
    const partial = await atrarium(['backfill', '--pds', dev.pdsUrl, '--data-dir', dir, '--limit-repos', '2'], dev.env)
    expect(partial.code).toBe(0)
    expect(partial.stdout).toContain('stopped after 2/4 repos (--limit-repos); run again to resume')
    const file = join(dir, 'atrarium.sqlite')
    // Nothing is applied until every repo has been read.
    expect(snapshot(file).configs).toEqual([])

    const rest = await backfill(dir)
    expect(rest).toMatchObject({ complete: true, repos: { total: 4, done: 4, readThisRun: 2 } })
    expect(snapshot(file)).toEqual(expected)
    const db = new Database(file, { readonly: true })
    expect(db.prepare('SELECT COUNT(*) AS n FROM backfill_repos').get()).toEqual({ n: 0 })
    db.close()
  }, 60_000)

  it("reads every member's posts of the retention window from their own PDS, as the stream would have indexed them", async () => {
    const { alice, bob, dave } = dev.users
    // Written before any service ran: the owner, a moderator, a blocked member, and an untagged post.
    await alice!.agent.post({ text: `owner here ${birds.hashtag}` })
    await bob!.agent.post({ text: 'no community' })
    await bob!.agent.post({ text: 'only in tags', tags: [birds.hashtag.slice(1)] })
    await dave!.agent.post({ text: `blocked ${birds.hashtag}` })
    const dir = dataDir()
    const r = await backfill(dir)
    expect(r).toMatchObject({ complete: true, posts: { authors: 4, failed: [] } })
    expect(r.posts.read).toBe(5)
    // The same rows a live index holds after the same records and posts: flags, and sort times
    // (the earlier of createdAt and when they were read) alike.
    const live = indexHarness()
    live.apply(...(await eventsFromPds()), ...(await eventsFromPds([NSID.post])))
    const file = join(dir, 'atrarium.sqlite')
    expect(postRows(file)).toEqual(live.driver.all('SELECT p.post_key, k.uri, p.sort_us, p.hidden, p.blocked FROM posts p JOIN community_keys k ON k.key = p.community ORDER BY 1, 2'))
    expect(postRows(file)).toHaveLength(4)
    expect(live.feed(birds.id)).toEqual([expect.stringContaining(bob!.did), expect.stringContaining(alice!.did)])
    live.close()
    // Twice gives the same index.
    await backfill(dir)
    expect(postRows(file)).toHaveLength(4)
  }, 60_000)

  it('refuses a run without a source', async () => {
    const r = await atrarium(['backfill', '--data-dir', dataDir()], dev.env)
    expect(r.code).toBe(1)
    expect(r.stderr.trim()).toBe('atrarium: give exactly one of --pds <url> or --relay <url>')
  }, 30_000)
})

describe('atrarium backfill --relay', () => {
  /** What a relay would list: every repo on the PDS holding a record of each collection. */
  async function listingFromPds(): Promise<Record<string, string[]>> {
    const listing: Record<string, string[]> = {}
    for (const collection of [NSID.config, NSID.membership, NSID.action]) {
      listing[collection] = []
      for (const { did, agent } of Object.values(dev.users)) {
        const res = await agent.com.atproto.repo.listRecords({ repo: did, collection, limit: 1 })
        if (res.data.records.length > 0) listing[collection]!.push(did)
      }
    }
    return listing
  }

  it('reads the repos a relay lists, each from the PDS its DID document names, and rebuilds the same state', async () => {
    const relay = await RelayListing.start(await listingFromPds())
    try {
      const dir = dataDir()
      const r = await cli(undefined, 'backfill', '--relay', relay.url, '--data-dir', dir)
      expect(r).toMatchObject({ ok: true, complete: true, records: { configs: 2, memberships: 4, actions: 2 }, rejected: 0 })
      // Four repos in all, each read once though several are listed under more than one collection.
      expect(r.repos).toMatchObject({ total: 4, done: 4, readThisRun: 4, failed: [] })
      expect(snapshot(join(dir, 'atrarium.sqlite'))).toEqual(expected)
      // The listings were paged (two repos a page) and asked for every backfilled collection.
      expect(new Set(relay.requests.map((q) => q.get('collection')))).toEqual(new Set([NSID.config, NSID.membership, NSID.action]))
      expect(relay.requests.filter((q) => q.get('cursor') !== null).length).toBeGreaterThan(0)
    } finally {
      await relay.close()
    }
  }, 60_000)

  it('reports a listed repo whose DID does not resolve, applies the rest, and keeps it for the next run', async () => {
    const listing = await listingFromPds()
    const ghost = 'did:plc:ghostghostghostghostghos'
    listing[NSID.membership]!.push(ghost)
    const relay = await RelayListing.start(listing)
    try {
      const dir = dataDir()
      const run = () => atrarium(['backfill', '--relay', relay.url, '--data-dir', dir], dev.env)
      const first = await run()
      expect(first.code).toBe(1)
      expect(first.stderr).toContain('backfilled 4/5 repos')
      expect(first.stderr).toContain(`failed ${ghost}: cannot resolve DID document of ${ghost}`)
      expect(first.stderr).toContain('run again to retry what failed')
      expect(snapshot(join(dir, 'atrarium.sqlite'))).toEqual(expected)
      const listed = relay.requests.length
      const second = await run()
      expect(second.code).toBe(1)
      expect(second.stderr).toContain(`failed ${ghost}`)
      // Listing finished the first time: the retry asks the relay nothing and reads only the ghost.
      expect(relay.requests.length).toBe(listed)
      expect(snapshot(join(dir, 'atrarium.sqlite'))).toEqual(expected)
    } finally {
      await relay.close()
    }
  }, 60_000)
})

// Last in the file: it adds configs to the PDS that the snapshots above do not expect.
describe('atrarium backfill and a ground id collision (SPEC §1)', () => {
  it('rebuilds both communities, whatever createdAt claims and whichever is indexed first', async () => {
    const { alice, bob } = dev.users
    const [aliceKey, bobKey] = collidingRkeys(alice!.did, bob!.did, 'g')
    const id = communityIdOf(configUriOf(alice!.did, aliceKey))
    const write = (user: typeof alice, rkey: string, createdAt: string) =>
      user!.agent.com.atproto.repo.putRecord({
        repo: user!.did, collection: NSID.config, rkey,
        record: { $type: NSID.config, name: `Twin ${rkey}`, hashtag: hashtagOf(id), stage: 'theme', moderators: [], createdAt },
      })
    await write(alice, aliceKey, new Date().toISOString())
    // The collider backdates its config: in the old rule, the earliest createdAt took the id.
    await write(bob, bobKey, '0001-01-01T00:00:00.000Z')
    const both = [configUriOf(alice!.did, aliceKey), configUriOf(bob!.did, bobKey)].sort()
    const owners = (dir: string) => {
      const driver = new SqliteDriver(join(dir, 'atrarium.sqlite'))
      try {
        return new SqlStore(driver).communitiesWithId(id).map((c) => c.uri)
      } finally {
        driver.close()
      }
    }
    const empty = dataDir()
    await backfill(empty)
    expect(owners(empty)).toEqual(both)
    // An index that already holds one of them, as a live service would: the other still joins it.
    for (const first of both) {
      const dir = dataDir()
      const driver = new SqliteDriver(join(dir, 'atrarium.sqlite'))
      const store = new SqlStore(driver)
      const other = both.find((u) => u !== first)!
      store.putConfig({ uri: first, id, owner: first.split('/')[2]!, config: { name: 'seen first', hashtag: hashtagOf(id), stage: 'theme', feedMix: { own: 100, parent: 0, global: 0 }, moderators: [], createdAt: '2026-01-01T00:00:00.000Z' } })
      driver.close()
      await backfill(dir)
      expect(owners(dir)).toEqual(both)
      expect(owners(dir)).toContain(other)
    }
  }, 60_000)
})

// After the collision test: it deletes records the snapshots above expect.
describe('atrarium backfill into an existing index', () => {
  it('removes what the PDSs no longer hold: two backfills give the state of the PDSs, not the union of history', async () => {
    const { alice, dave } = dev.users
    const dir = dataDir()
    const file = join(dir, 'atrarium.sqlite')
    await backfill(dir)
    const membership = (await dave!.agent.com.atproto.repo.listRecords({ repo: dave!.did, collection: NSID.membership })).data.records[0]!
    const post = (await alice!.agent.com.atproto.repo.listRecords({ repo: alice!.did, collection: NSID.post })).data.records[0]!
    const key = (uri: string) => uri.replace('at://', '').replace(`/${NSID.post}/`, '/')
    expect(snapshot(file).memberships.map((m) => (m as { uri: string }).uri)).toContain(membership.uri)
    expect(postRows(file).map((p) => (p as { post_key: string }).post_key)).toContain(key(post.uri))

    await dave!.agent.com.atproto.repo.deleteRecord({ repo: dave!.did, collection: NSID.membership, rkey: membership.uri.split('/').pop()! })
    await alice!.agent.com.atproto.repo.deleteRecord({ repo: alice!.did, collection: NSID.post, rkey: post.uri.split('/').pop()! })
    const again = await backfill(dir)
    expect(again).toMatchObject({ complete: true, deleted: 2 })
    expect(snapshot(file).memberships.map((m) => (m as { uri: string }).uri)).not.toContain(membership.uri)
    expect(postRows(file).map((p) => (p as { post_key: string }).post_key)).not.toContain(key(post.uri))
    // Nothing else went: a third run deletes nothing.
    expect(await backfill(dir)).toMatchObject({ complete: true, deleted: 0 })
  }, 60_000)
})
