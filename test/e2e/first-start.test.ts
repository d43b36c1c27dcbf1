import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { NSID } from '../../src/core/nsid.js'
import { atrarium } from '../support/cli-process.js'
import { devNetwork } from '../support/dev-network.js'
import { freePort, NodeHost } from '../support/node-process.js'
import { RelayListing } from '../support/relay-listing.js'

/**
 * The first start of `npm start` on an empty index (issue #13): records and members' recent posts
 * come from a relay's listing and each repo's own PDS, in the background, while the live firehose
 * runs; offline it retries; it never reads a PDS on a private address unless told to.
 */
let dev: Awaited<ReturnType<typeof devNetwork>>
let relay: RelayListing
let community: { uri: string; id: string; hashtag: string }
let memberPost: string
let strangerPost: string
const dirs: string[] = []
const hosts: NodeHost[] = []

beforeAll(async () => {
  dev = await devNetwork(['fran', 'gus', 'hal'])
  const cli = async (user: string, ...args: string[]) => {
    const r = await atrarium([...args, ...dev.as(user), '--json'], dev.env)
    expect(r.code, r.stderr).toBe(0)
    return r.json
  }
  community = await cli('fran', 'community', 'create', '--name', 'Otters')
  await cli('gus', 'join', community.uri)
  // Written before the service ever ran.
  memberPost = (await dev.users.gus!.agent.post({ text: `an otter ${community.hashtag}` })).uri
  strangerPost = (await dev.users.hal!.agent.post({ text: `not a member ${community.hashtag}` })).uri
  relay = await RelayListing.start({ [NSID.config]: [dev.users.fran!.did], [NSID.membership]: [dev.users.gus!.did], [NSID.action]: [] })
}, 120_000)

afterAll(async () => {
  for (const h of hosts) await h.stop()
  await relay?.close()
  await dev?.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

async function start(env: Record<string, string>, dir = mkdtempSync(join(tmpdir(), 'atrarium-first-'))) {
  if (!dirs.includes(dir)) dirs.push(dir)
  const host = await NodeHost.start({
    ATRARIUM_DATA_DIR: dir, ATRARIUM_FIREHOSE_URL: `ws://localhost:${new URL(dev.pdsUrl).port}`, ATRARIUM_PLC_URL: dev.env.ATRARIUM_PLC_URL, ...env,
  })
  hosts.push(host)
  return { host, dir }
}
const backfillState = async (host: NodeHost) => ((await host.health()) as unknown as { backfill: { state: string; error?: string; failures?: number; posts?: number } }).backfill
const feed = async (host: NodeHost) =>
  ((await host.get(`/xrpc/${NSID.getFeedSkeleton}?feed=${encodeURIComponent(`at://${dev.users.fran!.did}/${NSID.feedGenerator}/${community.id}`)}`)).body as { feed?: { post: string }[] }).feed?.map((f) => f.post)

it('an empty index is backfilled from the relay while the stream runs: posts from before the first start appear; a restart does not backfill again', async () => {
  const { host, dir } = await start({ ATRARIUM_BACKFILL_RELAY: relay.url, ATRARIUM_ALLOW_LOCAL_PDS: '1' })
  await host.waitFor(async () => (await backfillState(host)).state === 'done', 60_000, 'the first-start backfill')
  // Members' posts are read (the owner has none, gus one); a stranger's are not.
  expect(await backfillState(host)).toMatchObject({ state: 'done', failures: 0, posts: 1 })
  expect(await feed(host)).toEqual([memberPost])
  await host.stop()
  const again = await start({ ATRARIUM_BACKFILL_RELAY: relay.url, ATRARIUM_ALLOW_LOCAL_PDS: '1' }, dir)
  expect((await backfillState(again.host)).state).toBe('skipped')
  expect(await feed(again.host)).toEqual([memberPost])
  expect(strangerPost).toBeDefined()
}, 120_000)

it('never reads a PDS on a private address by default: the repos are reported, nothing is fetched from them', async () => {
  const { host } = await start({ ATRARIUM_BACKFILL_RELAY: relay.url })
  await host.waitFor(async () => (await backfillState(host)).state === 'done', 60_000, 'the first-start backfill')
  expect(await backfillState(host)).toMatchObject({ state: 'done', failures: 2, posts: 0 })
  expect(host.lines.join('\n')).toMatch(/not a public address|refused/i)
}, 60_000)

it('offline, it retries with backoff and the API answers meanwhile', async () => {
  const { host } = await start({ ATRARIUM_BACKFILL_RELAY: `http://127.0.0.1:${await freePort()}` })
  await host.waitFor(async () => (await backfillState(host)).state === 'retrying', 30_000, 'a failed attempt')
  expect((await backfillState(host)).error).toMatch(/listReposByCollection/)
  expect((await host.get(`/xrpc/${NSID.describeFeedGenerator}`)).status).toBe(200)
}, 60_000)
