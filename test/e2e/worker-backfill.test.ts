import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { FeedService } from '../../src/core/feed-service.js'
import { NSID } from '../../src/core/nsid.js'
import { US_PER_DAY } from '../../src/core/time.js'
import { SqlStore } from '../../src/store/sql-store.js'
import { SqliteDriver } from '../../src/store/sqlite-driver.js'
import { atrarium } from '../support/cli-process.js'
import { devNetwork } from '../support/dev-network.js'
import { WranglerDev } from '../support/wrangler-dev.js'

/**
 * The Workers host's backfill (issue #13) through its admin method, in workerd (`wrangler dev`),
 * against a real PDS: every community's skeleton is the one `atrarium backfill` gives the Node host.
 */
const TOKEN = 'test-admin-token-5f2c'
let dev: Awaited<ReturnType<typeof devNetwork>>
let wrangler: WranglerDev
const dir = mkdtempSync(join(tmpdir(), 'atrarium-wbackfill-'))
const communities: { owner: string; id: string }[] = []
let crowsUri: string

const cli = async (user: string | undefined, ...args: string[]) => {
  const r = await atrarium([...args, ...(user ? dev.as(user) : []), '--json'], dev.env)
  expect(r.code, r.stderr).toBe(0)
  return r.json
}
const admin = (method: string, init: RequestInit = {}, token = TOKEN) =>
  fetch(`${wrangler.base}/xrpc/${method}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } })
const feedUri = (c: { owner: string; id: string }) => `at://${c.owner}/${NSID.feedGenerator}/${c.id}`

beforeAll(async () => {
  dev = await devNetwork(['lia', 'max', 'ned', 'ola'])
  const owls = await cli('lia', 'community', 'create', '--name', 'Owls')
  const crows = await cli('max', 'community', 'create', '--name', 'Crows')
  communities.push({ owner: dev.users.lia!.did, id: owls.id }, { owner: dev.users.max!.did, id: crows.id })
  crowsUri = crows.uri
  await cli('max', 'join', owls.uri)
  await cli('ned', 'join', crows.uri)
  const post = async (name: string, text: string) => (await dev.users[name]!.agent.post({ text })).uri
  await post('lia', `welcome ${owls.hashtag}`)
  const hidden = await post('max', `a barn owl ${owls.hashtag}`)
  await post('max', `a tawny owl ${owls.hashtag} and ${crows.hashtag}`)
  await post('ned', `a rook ${crows.hashtag}`)
  await post('ola', `not a member ${owls.hashtag}`)
  await cli('lia', 'hide', hidden, '--community', owls.uri)
  wrangler = await WranglerDev.start({
    ATRARIUM_JETSTREAM_URL: 'ws://127.0.0.1:9', ATRARIUM_PLC_URL: dev.env.ATRARIUM_PLC_URL, ATRARIUM_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn',
  })
}, 180_000)

afterAll(async () => {
  await wrangler?.stop()
  await dev?.close()
  rmSync(dir, { recursive: true, force: true })
})

it('refuses a missing or wrong token and a bad source, with clear errors', async () => {
  expect((await admin(NSID.adminGetBackfill, {}, 'wrong')).status).toBe(401)
  const none = await fetch(`${wrangler.base}/xrpc/${NSID.adminGetBackfill}`)
  expect([none.status, ((await none.json()) as { error: string }).error]).toEqual([401, 'AuthenticationRequired'])
  for (const body of ['{"relay":"ftp://x"}', '{"relay":"https://a","pds":"https://b"}', 'not json', `{"pds":"https://${'a'.repeat(5000)}"}`]) {
    const res = await admin(NSID.adminStartBackfill, { method: 'POST', body })
    expect(res.status, body.slice(0, 40)).toBe(400)
    expect(((await res.json()) as { error: string }).error).toBe('InvalidRequest')
  }
  expect(((await (await admin(NSID.adminGetBackfill)).json()) as { state: string }).state).toBe('idle')
}, 30_000)

/** `atrarium backfill` into the Node host's data directory, and each community's skeleton there. */
async function nodeSkeletons(): Promise<string[][]> {
  await cli(undefined, 'backfill', '--pds', dev.pdsUrl, '--data-dir', dir)
  const driver = new SqliteDriver(join(dir, 'atrarium.sqlite'))
  try {
    const feeds = new FeedService({ store: new SqlStore(driver), serviceDid: 'did:web:localhost', minSortUs: () => Date.now() * 1000 - 7 * US_PER_DAY })
    return communities.map((c) => {
      const r = feeds.getFeedSkeleton({ feed: feedUri(c), limit: 100 })
      if (!r.ok) throw new Error(r.error.message)
      return r.value.feed.map((f) => f.post)
    })
  } finally {
    driver.close()
  }
}

type Status = { state: string; postsPending: number; repos: { total: number; done: number; failed: number }; records: number; deleted: number }

/** Polls the admin status until the run and the posts it queued are done (bounded). */
async function finished(): Promise<Status> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const status = (await (await admin(NSID.adminGetBackfill)).json()) as Status
    if (status.state === 'done' && status.postsPending === 0) return status
    if (Date.now() > deadline) throw new Error(`backfill did not finish: ${JSON.stringify(status)}\n${wrangler.output.slice(-2000)}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

const workerSkeletons = () => Promise.all(communities.map(async (c) => {
  const res = await fetch(`${wrangler.base}/xrpc/${NSID.getFeedSkeleton}?feed=${encodeURIComponent(feedUri(c))}&limit=100`)
  return ((await res.json()) as { feed: { post: string }[] }).feed.map((f) => f.post)
}))
const start = () => admin(NSID.adminStartBackfill, { method: 'POST', body: JSON.stringify({ pds: dev.pdsUrl }) })

it('backfills records and members’ posts from the PDS, giving the Node host’s skeleton for every community; a second run drops what the PDS no longer has', async () => {
  const node = await nodeSkeletons()
  expect(node.map((s) => s.length)).toEqual([2, 2])
  expect((await start()).status).toBe(202)
  expect(await finished()).toMatchObject({ repos: { total: 4, done: 4, failed: 0 }, records: 5, deleted: 0 })
  expect(await workerSkeletons()).toEqual(node)

  // ned leaves Crows on his PDS (the stream is not followed here): the next backfills agree again.
  await cli('ned', 'leave', crowsUri)
  const after = await nodeSkeletons()
  expect(after[1]).toHaveLength(1)
  expect((await start()).status).toBe(202)
  // One run at a time.
  expect((await start()).status).toBe(409)
  expect(await finished()).toMatchObject({ records: 4, deleted: 1 })
  expect(await workerSkeletons()).toEqual(after)
}, 120_000)
