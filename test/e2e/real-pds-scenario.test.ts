import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NSID } from '../../src/core/nsid.js'
import { nextTid } from '../../src/records/tid.js'
import { atrarium } from '../support/cli-process.js'
import { devNetwork } from '../support/dev-network.js'
import { NodeHost } from '../support/node-process.js'
import { readFeed } from '../support/scenario.js'

let dev: Awaited<ReturnType<typeof devNetwork>>
let host: NodeHost
let dir: string
beforeAll(async () => {
  dev = await devNetwork(['alice', 'bob', 'carol', 'mallory'])
  dir = mkdtempSync(join(tmpdir(), 'atrarium-real-'))
  const port = new URL(dev.pdsUrl).port
  host = await NodeHost.start({ ATRARIUM_DATA_DIR: dir, ATRARIUM_FIREHOSE_URL: `ws://localhost:${port}`, ATRARIUM_PLC_URL: dev.env.ATRARIUM_PLC_URL })
}, 90_000)
afterAll(async () => {
  await host?.stop('SIGTERM')
  await dev?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const u = (name: string) => dev.users[name]!
const now = () => new Date().toISOString()
const rkey = () => nextTid()

async function create(name: string, collection: string, record: object, key = rkey()) {
  const res = await u(name).agent.com.atproto.repo.createRecord({ repo: u(name).did, collection, rkey: key, record: { $type: collection, ...record } })
  return res.data.uri
}
const remove = (name: string, collection: string, key: string) => u(name).agent.com.atproto.repo.deleteRecord({ repo: u(name).did, collection, rkey: key })

/** Waits until the host has committed everything the PDS has sequenced: processAll(). */
async function synced() {
  await host.caughtUp(await dev.net.pds.ctx.sequencer.curr() ?? 0, 10_000)
}

describe('the SPEC scenario through a real PDS, its firehose and the real npm start', () => {
  it('creates, joins, posts, moderates and deletes, and ignores spoofed authority', async () => {
    // alice creates the community with the CLI; it reaches the feed through the firehose.
    const created = await atrarium(['community', 'create', '--name', 'Birds', '--json', ...dev.as('alice')], dev.env)
    expect(created.code).toBe(0)
    const c = created.json as { uri: string; id: string; hashtag: string }
    const feed = () => readFeed((p) => host.get(p), c.id)
    const post = async (name: string, text: string, extra: object = {}) => create(name, NSID.post, { text, createdAt: now(), ...extra })
    const config = (fields: object) =>
      u('alice').agent.com.atproto.repo.putRecord({
        repo: u('alice').did, collection: NSID.config, rkey: c.uri.split('/').pop()!,
        record: { $type: NSID.config, name: 'Birds', hashtag: c.hashtag, stage: 'theme', moderators: [], createdAt: '2026-11-01T00:00:00.000Z', ...fields },
      })
    const act = (name: string, action: string, target: string) => create(name, NSID.action, { action, target, community: c.uri, createdAt: now() })

    // alice adds bob as a moderator; bob and mallory join, mallory claiming to be a moderator.
    await config({ moderators: [u('bob').did] })
    await create('bob', NSID.membership, { community: c.uri, role: 'member', joinedAt: now(), active: true })
    await create('mallory', NSID.membership, { community: c.uri, role: 'moderator', joinedAt: now(), active: true })
    const p1 = await post('bob', `first ${c.hashtag}`)
    const p2 = await post('bob', 'tag only in tags', { tags: [c.hashtag.slice(1)] })
    const p3 = await post('carol', `not a member ${c.hashtag}`)
    const p4 = await post('alice', `owner here ${c.hashtag}`)
    const m1 = await post('mallory', `mallory ${c.hashtag}`)
    // mallory's spoofed moderation: she is a member, never a moderator.
    await act('mallory', 'hide_post', p1)
    await act('mallory', 'block_user', u('bob').did)
    await synced()
    expect(await feed()).toEqual([m1, p4, p2, p1])
    expect(p3).toBeDefined()

    // carol joins: her post from before shows at once (SPEC §4). She posts, leaves (all of hers
    // hide), posts again, and rejoins (all of them show).
    const carolJoin = rkey()
    await create('carol', NSID.membership, { community: c.uri, role: 'member', joinedAt: now(), active: true }, carolJoin)
    await synced()
    expect(await feed()).toEqual([m1, p4, p3, p2, p1])
    const p5 = await post('carol', `joined ${c.hashtag}`)
    await remove('carol', NSID.membership, carolJoin)
    const p6 = await post('carol', `left ${c.hashtag}`)
    await synced()
    expect(await feed()).toEqual([m1, p4, p2, p1])
    await create('carol', NSID.membership, { community: c.uri, role: 'member', joinedAt: now(), active: true })
    await synced()
    expect(await feed()).toEqual([p6, p5, m1, p4, p3, p2, p1])

    // bob (moderator) hides p4 and blocks mallory; then alice unhides and unblocks.
    await act('bob', 'hide_post', p4)
    await act('bob', 'block_user', u('mallory').did)
    await synced()
    expect(await feed()).toEqual([p6, p5, p3, p2, p1])
    await act('alice', 'unhide_post', p4)
    await act('alice', 'unblock_user', u('mallory').did)
    await synced()
    expect(await feed()).toEqual([p6, p5, m1, p4, p3, p2, p1])

    // bob deletes p2; an invalid config update (feedMix sums to 90) is ignored, so bob stays a
    // moderator and his later hide is in force.
    await remove('bob', NSID.post, p2.split('/').pop()!)
    await config({ moderators: [], feedMix: { own: 80, parent: 10, global: 0 } })
    await act('bob', 'hide_post', p5)
    await synced()
    expect(await feed()).toEqual([p6, m1, p4, p3, p1])
    expect((await host.health()).indexer.invalid).toMatchObject({ [NSID.config]: 1 })

    // Removing bob as moderator withdraws his hide; he stays a member by his own record.
    await config({ moderators: [] })
    await synced()
    expect(await feed()).toEqual([p6, p5, m1, p4, p3, p1])

    // Commits were verified (on by default): every real commit that was indexed passed, signed by its
    // repo's key from the dev-env PLC and proven in its MST, deletes included; none was refused.
    const { ingest } = (await host.health()) as unknown as { ingest: { verified: number; rejected: Record<string, number> } }
    expect(ingest.rejected).toEqual({ signature: 0, proof: 0, key: 0 })
    // The 24 writes above: 4 configs, 4 memberships and a delete, 7 posts and a delete, 7 actions.
    expect(ingest.verified).toBe(24)
    expect(host.lines.some((l) => l.includes('commit refused'))).toBe(false)
  }, 120_000)

  it('approval to join, pinned posts and content labels (SPEC §9–11): a member waits and is approved, pins lead the first page, labelled posts need the owner\'s consent', async () => {
    const created = await atrarium(['community', 'create', '--name', 'Herons', '--membership', 'approval', '--moderator', u('bob').did, '--json', ...dev.as('alice')], dev.env)
    expect(created.code, created.stderr).toBe(0)
    const c = created.json as { uri: string; id: string; hashtag: string }
    const feed = () => readFeed((p) => host.get(p), c.id)
    const pending = async () => ((await host.get(`/xrpc/${NSID.getMembers}?community=${encodeURIComponent(c.uri)}&status=pending`)).body as { members: { did: string }[] }).members.map((m) => m.did)
    await create('carol', NSID.membership, { community: c.uri, role: 'member', joinedAt: now(), active: true })
    const p1 = await create('carol', NSID.post, { text: `waiting ${c.hashtag}`, createdAt: now() })
    const p2 = await create('alice', NSID.post, { text: `owner ${c.hashtag}`, createdAt: now() })
    await synced()
    expect(await feed()).toEqual([p2])
    expect(await pending()).toEqual([u('carol').did])

    const approved = await atrarium(['approve', 'carol.test', '--community', c.uri, '--json', ...dev.as('bob')], dev.env)
    expect(approved.code, approved.stderr).toBe(0)
    await synced()
    expect(await feed()).toEqual([p2, p1])
    expect(await pending()).toEqual([])

    const rejected = await atrarium(['reject', u('carol').did, '--community', c.uri, '--json', ...dev.as('alice')], dev.env)
    expect(rejected.code, rejected.stderr).toBe(0)
    await synced()
    expect(await feed()).toEqual([p2])

    // Opening the community admits everyone with a membership, whatever was decided before.
    const opened = await atrarium(['community', 'update', c.uri, '--membership', 'open', ...dev.as('alice')], dev.env)
    expect(opened.code, opened.stderr).toBe(0)
    await synced()
    expect(await feed()).toEqual([p2, p1])

    // Pinned posts (SPEC §10): the owner's older post leads the first page, marked, once; a member's pin is skipped.
    const p3 = await create('alice', NSID.post, { text: `newest ${c.hashtag}`, createdAt: now() })
    const pinned = await atrarium(['community', 'update', c.uri, '--pin', p2, '--pin', p1, ...dev.as('alice')], dev.env)
    expect(pinned.code, pinned.stderr).toBe(0)
    await synced()
    const first = (await host.get(`/xrpc/${NSID.getFeedSkeleton}?feed=${encodeURIComponent(`at://${u('alice').did}/${NSID.feedGenerator}/${c.id}`)}`)).body
    expect(first).toEqual({ feed: [{ post: p2, reason: { $type: 'app.bsky.feed.defs#skeletonReasonPin' } }, { post: p3 }, { post: p1 }] })
    const unpinned = await atrarium(['community', 'update', c.uri, '--pin', 'none', ...dev.as('alice')], dev.env)
    expect(unpinned.code, unpinned.stderr).toBe(0)
    await synced()
    expect(await feed()).toEqual([p3, p2, p1])

    // Content labels (SPEC §11): a self-labelled graphic post stays out until the owner allows adult content.
    const labels = { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: 'graphic-media' }] }
    await create('alice', NSID.post, { text: `graphic ${c.hashtag}`, createdAt: now(), labels })
    await synced()
    expect(await feed()).toEqual([p3, p2, p1])
    const allowed = await atrarium(['community', 'update', c.uri, '--allow-adult', 'true', ...dev.as('alice')], dev.env)
    expect(allowed.code, allowed.stderr).toBe(0)
    const p4 = await create('alice', NSID.post, { text: `graphic, allowed ${c.hashtag}`, createdAt: now(), labels })
    await synced()
    expect(await feed()).toEqual([p4, p3, p2, p1])
  }, 90_000)
})
