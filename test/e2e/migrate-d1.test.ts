import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NSID } from '../../src/core/nsid.js'
import { atrarium } from '../support/cli-process.js'
import { devNetwork } from '../support/dev-network.js'
import { NodeHost } from '../support/node-process.js'

let dev: Awaited<ReturnType<typeof devNetwork>>
let host: NodeHost
let dir: string
let dump: string
const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin']
beforeAll(async () => {
  dev = await devNetwork(NAMES)
  dir = mkdtempSync(join(tmpdir(), 'atrarium-d1-'))
  const port = new URL(dev.pdsUrl).port
  host = await NodeHost.start({ ATRARIUM_DATA_DIR: dir, ATRARIUM_FIREHOSE_URL: `ws://localhost:${port}`, ATRARIUM_PLC_URL: dev.env.ATRARIUM_PLC_URL })
  // The canonical fixture, its people swapped for the dev-env accounts (see test/fixtures/d1/README.md).
  let text = readFileSync(new URL('../fixtures/d1/canonical.sql', import.meta.url), 'utf8')
  for (const name of NAMES) text = text.replaceAll(`did:plc:${name.padEnd(24, 'a')}`, dev.users[name]!.did)
  dump = join(dir, 'export.sql')
  writeFileSync(dump, text)
}, 90_000)
afterAll(async () => {
  await host?.stop('SIGTERM')
  await dev?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const u = (name: string) => dev.users[name]!
async function records(name: string, collection: string) {
  const res = await u(name).agent.com.atproto.repo.listRecords({ repo: u(name).did, collection, limit: 100 })
  return res.data.records
}
async function synced() {
  await host.caughtUp((await dev.net.pds.ctx.sequencer.curr()) ?? 0, 10_000)
}
const feedPath = (owner: string, id: string) => `/xrpc/${NSID.getFeedSkeleton}?feed=${encodeURIComponent(`at://${owner}/${NSID.feedGenerator}/${id}`)}`

describe('atrarium migrate-d1 against a real PDS and the real npm start', () => {
  it('plans without writing, writes configs and actions, is verified by the service, and runs again without duplicates', async () => {
    const alice = u('alice')
    // A dry run needs no sign-in and writes nothing.
    const dry = await atrarium(['migrate-d1', dump, '--dry-run', '--owner', alice.did, '--json'], dev.env)
    expect(dry.stderr).toBe('')
    expect(dry.code).toBe(0)
    expect(dry.json).toMatchObject({ ok: true, dryRun: true, owner: alice.did })
    expect(dry.json.communities.map((c: any) => [c.oldName, c.status])).toEqual([['Design Community', 'would write'], ['Pixel Art', 'would write']])
    expect(dry.json.skipped.map((s: any) => [s.oldName, s.owners])).toEqual([['Old Club', [u('dave').did]], ['Closed Corner', [alice.did]]])
    expect(await records('alice', NSID.config)).toEqual([])
    expect(await records('alice', NSID.action)).toEqual([])

    // The real run, verified against the service following the PDS's firehose.
    const run = await atrarium(['migrate-d1', dump, '--json', '--verify', host.base, ...dev.as('alice')], dev.env, 90_000)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const [design, pixel] = run.json.communities as any[]
    expect([design.status, pixel.status]).toEqual(['written', 'written'])
    expect(design.oldHashtags).toEqual(['#atr_5e6f7a8b', '#atr_a1b2c3d4'])
    expect(design.hashtag).toBe(`#atrarium_${design.id}`)
    expect(design.joinLink).toBe(`${host.base}/community/${alice.did}/${design.uri.split('/').pop()}`)
    expect(design.members).toEqual([u('carol').did, u('erin').did])
    for (const c of [design, pixel]) {
      expect(c.verify).toMatchObject({ uri: c.uri, indexed: true, feedAnswered: true })
      expect(c.actions.every((a: any) => a.status === 'written')).toBe(true)
    }
    expect(design.verify.members).toBe(2) // the owner and the moderator; former members have not joined yet

    const configs = await records('alice', NSID.config)
    expect(configs.map((r) => [r.uri, (r.value as any).migratedFrom]).sort()).toEqual(
      [[design.uri, design.oldId], [pixel.uri, pixel.oldId]].sort(),
    )
    const actions = await records('alice', NSID.action)
    expect(actions).toHaveLength(5)
    // The e-mail address in the old hide's reason was dropped; the hide itself was written.
    const spamHide = actions.find((r) => String((r.value as any).target).endsWith('/3k2spam'))!.value as any
    expect(spamHide).toMatchObject({ action: 'hide_post', community: design.uri })
    expect(spamHide).not.toHaveProperty('reason')
    expect(design.warnings.some((w: string) => w.includes('e-mail address'))).toBe(true)

    // The service: moderators and the parent from the new configs, the actions in force.
    await synced()
    const got = (uri: string) => host.get(`/xrpc/${NSID.getCommunity}?community=${encodeURIComponent(uri)}`)
    const shownDesign = await got(design.uri)
    const shownPixel = await got(pixel.uri)
    expect(shownDesign.body).toMatchObject({ uri: design.uri, moderators: [u('bob').did], config: { name: 'Design Community', feedMix: { own: 70, parent: 20, global: 10 } } })
    expect(shownPixel.body).toMatchObject({ uri: pixel.uri, parent: design.uri, moderators: [u('erin').did], stage: 'community' })
    const inForce = await host.get(`/xrpc/${NSID.getActions}?community=${encodeURIComponent(design.uri)}`)
    expect(inForce.body.actions.map((a: any) => [a.action, a.status]).sort()).toEqual([['block_user', 'inForce'], ['hide_post', 'inForce'], ['hide_post', 'inForce']])

    // The owner posts with the new hashtag; the community's feed serves it.
    const post = await alice.agent.com.atproto.repo.createRecord({
      repo: alice.did, collection: NSID.post, record: { $type: NSID.post, text: `We moved! ${design.hashtag}`, createdAt: new Date().toISOString() },
    })
    await synced()
    const feed = await host.get(feedPath(alice.did, design.id))
    expect(feed.status).toBe(200)
    expect(feed.body.feed.map((f: any) => f.post)).toEqual([post.data.uri])

    // A former member joins with the printed link's community: the service counts them.
    const joined = await atrarium(['join', design.uri, ...dev.as('carol')], dev.env)
    expect(joined.code).toBe(0)
    await synced()
    expect((await got(design.uri)).body.counts.members).toBe(3)

    // Again: nothing new is written, and the output says why.
    const again = await atrarium(['migrate-d1', dump, '--web', 'https://feeds.example.com', ...dev.as('alice')], dev.env)
    expect(again.stderr).toBe('')
    expect(again.code).toBe(0)
    expect(again.stdout).toContain(`Design Community (${design.oldId}) → ${design.uri}  [already migrated]`)
    expect(again.stdout).toContain(`Pixel Art (${pixel.oldId}) → ${pixel.uri}  [already migrated]`)
    expect(again.stdout).toContain(`join link:  https://feeds.example.com/community/${alice.did}/${design.uri.split('/').pop()}`)
    expect(again.stdout).not.toMatch(/\[written\]/)
    expect(await records('alice', NSID.config)).toHaveLength(2)
    expect(await records('alice', NSID.action)).toHaveLength(5)
  }, 180_000)

  it('refuses bad input with one clear error and writes nothing', async () => {
    const bad = join(dir, 'bad.sql')
    writeFileSync(bad, "PRAGMA defer_foreign_keys=TRUE;\nCREATE TABLE communities (id TEXT);\nATTACH DATABASE 'x.db' AS x;")
    const before = (await records('dave', NSID.config)).length
    const runs = await Promise.all([
      atrarium(['migrate-d1', bad, ...dev.as('dave')], dev.env),
      atrarium(['migrate-d1', join(dir, 'missing.sql'), ...dev.as('dave')], dev.env),
      atrarium(['migrate-d1', dump, '--dry-run'], dev.env),
      atrarium(['migrate-d1', dump, '--verify', 'ftp://x', ...dev.as('dave')], dev.env),
    ])
    expect(runs.map((r) => r.code)).toEqual([1, 1, 1, 1])
    expect(runs[0]!.stderr).toBe(`atrarium: ${bad}: refusing statement on line 3 (ATTACH DATABASE 'x.db' AS x): a D1 export holds only CREATE TABLE, CREATE INDEX, INSERT, PRAGMA defer_foreign_keys, DELETE FROM sqlite_sequence and BEGIN/COMMIT\n`)
    expect(runs[1]!.stderr).toMatch(/^atrarium: cannot read .*missing\.sql: ENOENT/)
    expect(runs[2]!.stderr).toContain('--dry-run needs --owner <did>')
    expect(runs[3]!.stderr).toContain('--verify must be an http(s) URL, got ftp://x')
    expect(await records('dave', NSID.config)).toHaveLength(before)
  }, 60_000)

  it('reports what it wrote, with exit 1, when the service does not show it in time', async () => {
    // dave owns Old Club in the export; nothing listens on port 9 of this machine.
    const r = await atrarium(['migrate-d1', dump, '--json', '--verify', 'http://127.0.0.1:9', '--verify-timeout', '1', ...dev.as('dave')], dev.env)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^atrarium: written, but within 1 s the service at http:\/\/127\.0\.0\.1:9 did not index and serve at:\/\/did:plc:[a-z0-9]+\/net\.atrarium\.community\.config\/\w+\n$/)
    expect(r.json).toMatchObject({ ok: false, communities: [{ oldName: 'Old Club', status: 'written', verify: { indexed: false, feedAnswered: false } }] })
    expect((await records('dave', NSID.config)).map((c) => c.uri)).toEqual([r.json.communities[0].uri])
  }, 60_000)
})
