import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { NSID } from '../../src/core/nsid.js'
import { atrarium } from '../support/cli-process.js'
import { devNetwork } from '../support/dev-network.js'
import { HeldPds } from '../support/held-pds.js'
import { NodeHost } from '../support/node-process.js'
import { RelayListing } from '../support/relay-listing.js'

/**
 * Join backfill (issue #13) against a real PDS, its firehose and the real `npm start`: posts that
 * someone wrote before the service ever ran appear within seconds of their joining, and a post
 * deleted while the join's fetch is in flight does not.
 */
let dev: Awaited<ReturnType<typeof devNetwork>>
let relay: RelayListing
let held: HeldPds
let host: NodeHost
let community: { uri: string; id: string; hashtag: string }
const dir = mkdtempSync(join(tmpdir(), 'atrarium-join-'))
const rebuilt = mkdtempSync(join(tmpdir(), 'atrarium-join-rebuilt-'))
const early: Record<string, string[]> = {}

const cli = async (user: string, ...args: string[]) => {
  const r = await atrarium([...args, ...dev.as(user), '--json'], dev.env)
  expect(r.code, r.stderr).toBe(0)
  return r.json
}
const skeleton = async (owner: string, id: string) =>
  ((await host.get(`/xrpc/${NSID.getFeedSkeleton}?limit=100&feed=${encodeURIComponent(`at://${owner}/${NSID.feedGenerator}/${id}`)}`)).body as { feed: { post: string }[] }).feed.map((f) => f.post)
const feed = () => skeleton(dev.users.ivy!.did, community.id)
const joinStatus = async () => ((await host.health()) as unknown as { joinBackfill: { pending: number; done: number; posts: number } }).joinBackfill
/** The PDS's latest seq, then the host's cursor past it: the end-to-end processAll(). */
const caughtUp = async () => host.caughtUp((await dev.net.pds.ctx.sequencer.curr()) ?? 0)

beforeAll(async () => {
  dev = await devNetwork(['ivy', 'jay', 'kim'])
  community = await cli('ivy', 'community', 'create', '--name', 'Herons')
  // Written before the service ever ran, by people who are not members yet.
  for (const [name, n] of [['jay', 2], ['kim', 2]] as const) {
    early[name] = []
    for (let i = 0; i < n; i++) early[name].push((await dev.users[name]!.agent.post({ text: `heron ${i} ${community.hashtag}` })).uri)
  }
  held = await HeldPds.start(dev.env.ATRARIUM_PLC_URL, dev.pdsUrl)
  relay = await RelayListing.start({ [NSID.config]: [dev.users.ivy!.did], [NSID.membership]: [], [NSID.action]: [] })
  // The first start brings the community (its config) from the relay; the stream follows live.
  host = await NodeHost.start({
    ATRARIUM_DATA_DIR: dir, ATRARIUM_FIREHOSE_URL: `ws://localhost:${new URL(dev.pdsUrl).port}`, ATRARIUM_PLC_URL: held.url,
    ATRARIUM_BACKFILL_RELAY: relay.url, ATRARIUM_ALLOW_LOCAL_PDS: '1',
  })
  await host.waitFor(async () => ((await host.health()) as unknown as { backfill: { state: string } }).backfill.state === 'done', 60_000, 'the first start')
}, 180_000)

afterAll(async () => {
  await host?.stop()
  await held?.close()
  await relay?.close()
  await dev?.close()
  for (const d of [dir, rebuilt]) rmSync(d, { recursive: true, force: true })
})

it("a new member's posts from before the service ran appear within seconds of their join", async () => {
  expect(await feed()).toEqual([])
  const joinedAt = Date.now()
  await cli('jay', 'join', community.uri)
  await host.waitFor(async () => (await feed()).length === 2, 20_000, "jay's earlier posts")
  expect(await feed()).toEqual([...early.jay!].reverse())
  // Seconds, not the retention window: the PDS was read because of the join.
  expect(Date.now() - joinedAt).toBeLessThan(20_000)
  expect(held.listings).toContain(dev.users.jay!.did)
  expect(await joinStatus()).toMatchObject({ pending: 0 })
}, 60_000)

it("a post deleted while the join's fetch is in flight is not indexed", async () => {
  const kim = dev.users.kim!
  const gate = held.hold(kim.did)
  await cli('kim', 'join', community.uri)
  // The listing that will be served holds both posts; then the later one is deleted on the PDS,
  // and the service ingests that delete before the listing reaches it.
  await gate.seen
  await kim.agent.deletePost(early.kim![1]!)
  await caughtUp()
  gate.release()
  await host.waitFor(async () => (await joinStatus()).pending === 0, 20_000, "kim's join backfill")
  await caughtUp()
  expect((await feed()).filter((uri) => uri.includes(kim.did))).toEqual([early.kim![0]])
}, 60_000)

it('wiping the data directory and backfilling from the PDS gives the same skeleton for every community', async () => {
  // More live activity first: a second community, a join, posts, a hide, all through the firehose.
  const egrets = await cli('jay', 'community', 'create', '--name', 'Egrets')
  await cli('ivy', 'join', egrets.uri)
  await dev.users.ivy!.agent.post({ text: `an egret ${egrets.hashtag} ${community.hashtag}` })
  const spam = await dev.users.kim!.agent.post({ text: `buy now ${community.hashtag}` })
  await cli('ivy', 'hide', spam.uri, '--community', community.uri)
  await caughtUp()
  const communities = [[dev.users.ivy!.did, community.id], [dev.users.jay!.did, egrets.id]] as const
  const before = await Promise.all(communities.map(([owner, id]) => skeleton(owner, id)))
  expect(before.map((s) => s.length)).toEqual([4, 1])
  await host.stop()

  const r = await atrarium(['backfill', '--pds', dev.pdsUrl, '--data-dir', rebuilt, '--json'], dev.env)
  expect(r.code, r.stderr).toBe(0)
  host = await NodeHost.start({ ATRARIUM_DATA_DIR: rebuilt, ATRARIUM_FIREHOSE_URL: `ws://localhost:${new URL(dev.pdsUrl).port}`, ATRARIUM_PLC_URL: held.url })
  expect(await Promise.all(communities.map(([owner, id]) => skeleton(owner, id)))).toEqual(before)
}, 90_000)
