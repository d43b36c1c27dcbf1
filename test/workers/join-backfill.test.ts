import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { inject } from 'vitest'
import type { RepoEvent } from '../../src/core/events.js'
import { NSID } from '../../src/core/nsid.js'
import { communityStub } from '../../src/workers/routing.js'
import { community, configEvent, del, isoUs, membershipEvent, postEvent, postUri, T0 } from '../support/events.js'
import { readFeed } from '../support/scenario.js'
import { deliverEvents, getJson } from './queue-delivery.js'
import { until } from './wait.js'

const testEnv = { ...env, ATRARIUM_HOSTNAME: 'feeds.example.com' }
const deliver = (events: RepoEvent[]) => deliverEvents(events, testEnv)
const get = (path: string) => getJson(path, testEnv)

async function control(path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${inject('jetstreamControlUrl')}${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) })
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`)
  return res.json()
}
const record = (did: string, rkey: string, text: string) => ({ uri: postUri(did, rkey), value: { $type: NSID.post, text, createdAt: isoUs(T0 - 60_000_000) } })
const pending = (id: string) => communityStub(testEnv, id).joinBackfillPending()

// Join backfill on the Workers host (issue #13): the community object's alarm reads a new member's
// earlier posts from their PDS (here a fake one on 127.0.0.1, resolved through the fake PLC).
describe('Workers host: join backfill', () => {
  const owner = 'did:plc:jb-owner'
  const C = community(owner, '3kjoinbackfl2')

  it("shows a new member's posts the stream never delivered, in the feed and the global mix, and routes their later deletes", async () => {
    const rae = 'did:plc:jb-rae'
    const G = community('did:plc:jb-global', '3kjbglobal222')
    for (const did of [owner, G.owner]) await control('/pds/repo', { did, records: [] })
    await control('/pds/repo', { did: rae, records: [record(rae, '3kaaa2', `old ${C.hashtag}`), record(rae, '3kaaa1', `older ${C.hashtag}`), record(rae, '3kaaa0', 'untagged')] })
    await deliver([configEvent(C), configEvent(G, { feedMix: { own: 0, parent: 0, global: 100 } }), membershipEvent(rae, 'm1', C)])
    await until(async () => (await pending(C.id)) === 0, 'the join backfill', 10_000)
    expect(await readFeed(get, C.id)).toEqual([postUri(rae, '3kaaa2'), postUri(rae, '3kaaa1')])
    expect((await readFeed(get, G.id)).filter((u: string) => u.includes(rae))).toEqual([postUri(rae, '3kaaa2'), postUri(rae, '3kaaa1')])
    expect(await control('/pds/requested')).toContain(rae)
    // The directory learned where the backfilled post is: its delete from the stream reaches it.
    await deliver([del(rae, NSID.post, '3kaaa2')])
    expect(await readFeed(get, C.id)).toEqual([postUri(rae, '3kaaa1')])
  })

  it('a post deleted while the fetch is in flight is not indexed', async () => {
    const sam = 'did:plc:jb-sam'
    await control('/pds/repo', { did: sam, records: [record(sam, '3kbbb2', `b ${C.hashtag}`), record(sam, '3kbbb1', `a ${C.hashtag}`)] })
    await control('/pds/hold', { did: sam })
    await deliver([membershipEvent(sam, 'm1', C)])
    await until(async () => ((await control('/pds/requested')) as string[]).includes(sam), "sam's listing", 10_000)
    // The listing already holds both posts; the stream's delete arrives before it is answered.
    await deliver([del(sam, NSID.post, '3kbbb2')])
    await control('/pds/release', { did: sam })
    await until(async () => (await pending(C.id)) === 0, "sam's join backfill", 10_000)
    expect((await readFeed(get, C.id)).filter((u: string) => u.includes(sam))).toEqual([postUri(sam, '3kbbb1')])
    // A post written after the join still comes by the stream as usual.
    await deliver([postEvent(sam, '3kbbb3', `c ${C.hashtag}`)])
    expect((await readFeed(get, C.id)).filter((u: string) => u.includes(sam)).sort()).toEqual([postUri(sam, '3kbbb1'), postUri(sam, '3kbbb3')])
  })
})
