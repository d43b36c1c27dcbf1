import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { RepoEvent } from '../../src/core/events.js'
import { NSID } from '../../src/core/nsid.js'
import { actionEvent, community, configEvent, del, membershipEvent, postEvent, postUri } from '../support/events.js'
import { readFeed } from '../support/scenario.js'
import { deliverEvents, getJson } from './queue-delivery.js'

const testEnv = { ...env, ATRARIUM_HOSTNAME: 'feeds.example.com' }
const deliver = (events: RepoEvent[]) => deliverEvents(events, testEnv)
const get = (path: string) => getJson(path, testEnv)

// SPEC §4 on the Workers host: a post is kept whatever its author's membership, shown while they
// are a member, in the community's feed and in the global index that other feeds mix in.
describe('Workers host: membership decides visibility', () => {
  const owner = 'did:plc:vis-owner'
  const carol = 'did:plc:vis-carol'
  const C = community(owner, '3kvisibility2')
  const G = community('did:plc:vis-global', '3kvisglobal22')
  const setup = [configEvent(C), configEvent(G, { feedMix: { own: 0, parent: 0, global: 100 } }), postEvent(carol, 'p1', `hello ${C.hashtag}`)]
  const join = membershipEvent(carol, 'm1', C)
  const leave = del(carol, NSID.membership, 'm1')
  const feeds = async () => [await readFeed(get, C.id), (await readFeed(get, G.id)).filter((u: string) => u.includes(carol))]

  it('a non-member post is kept unseen; joining shows it, leaving hides it, rejoining shows it, in the feed and the global mix', async () => {
    await deliver(setup)
    expect(await feeds()).toEqual([[], []])
    await deliver([join])
    expect(await feeds()).toEqual([[postUri(carol, 'p1')], [postUri(carol, 'p1')]])
    await deliver([leave])
    expect(await feeds()).toEqual([[], []])
    await deliver([membershipEvent(carol, 'm2', C)])
    expect(await feeds()).toEqual([[postUri(carol, 'p1')], [postUri(carol, 'p1')]])
  })

  it('a redelivered batch past a leave (a crash and rewind) gives the uninterrupted feed', async () => {
    const dave = 'did:plc:vis-dave'
    const D = community(owner, '3kvisreplay22')
    const events = [configEvent(D), postEvent(dave, 'q1', `a ${D.hashtag}`), membershipEvent(dave, 'n1', D), postEvent(dave, 'q2', `b ${D.hashtag}`), del(dave, NSID.membership, 'n1'), postEvent(dave, 'q3', `c ${D.hashtag}`), membershipEvent(dave, 'n2', D)]
    await deliver(events.slice(0, 5))
    // The queue hands the last three again, then the rest.
    await deliver(events.slice(2))
    expect(await readFeed(get, D.id)).toEqual(['q3', 'q2', 'q1'].map((r) => postUri(dave, r)))
  })
})

// SPEC §9 on the Workers host: under approval a member is pending until a moderator approves them.
describe('Workers host: approval to join', () => {
  it('a pending member is unseen; approval shows their posts in the feed and the global mix; a reject hides them; the pending list follows', async () => {
    const owner = 'did:plc:appr-owner'
    const erin = 'did:plc:appr-erin'
    const C = community(owner, '3kapproval222')
    const G = community('did:plc:appr-global', '3kapprglobal2')
    const feeds = async () => [await readFeed(get, C.id), (await readFeed(get, G.id)).filter((u: string) => u.includes(erin))]
    const pending = async () => (await get(`/xrpc/${NSID.getMembers}?community=${encodeURIComponent(C.uri)}&status=pending`)).body.members.map((m: { did: string }) => m.did)
    await deliver([configEvent(C, { membership: 'approval' }), configEvent(G, { feedMix: { own: 0, parent: 0, global: 100 } }), membershipEvent(erin, 'm1', C), postEvent(erin, 'p1', `hello ${C.hashtag}`)])
    expect(await feeds()).toEqual([[], []])
    expect(await pending()).toEqual([erin])
    await deliver([actionEvent(owner, 'a1', C, 'approve_member', erin, '2026-11-01T00:00:01.000Z')])
    expect(await feeds()).toEqual([[postUri(erin, 'p1')], [postUri(erin, 'p1')]])
    expect(await pending()).toEqual([])
    expect((await get(`/xrpc/${NSID.getCommunity}?community=${encodeURIComponent(C.uri)}`)).body.counts).toMatchObject({ members: 2, pendingMembers: 0 })
    await deliver([actionEvent(owner, 'a2', C, 'reject_member', erin, '2026-11-01T00:00:02.000Z')])
    expect(await feeds()).toEqual([[], []])
  })
})

// SPEC §10 on the Workers host: the first page starts with the pins, marked, and no page repeats them.
describe('Workers host: pinned posts', () => {
  it('the first page starts with the pinned posts; a member’s pin and a hidden pin are skipped; later pages hold no pin', async () => {
    const owner = 'did:plc:pin-owner'
    const fred = 'did:plc:pin-fred'
    const C = community(owner, '3kpinnedcomm2')
    const post = (did: string, rkey: string) => postEvent(did, rkey, `p ${C.hashtag}`)
    const pins = [postUri(fred, 'f1'), postUri(owner, 'o1'), postUri(owner, 'o2')]
    await deliver([configEvent(C), membershipEvent(fred, 'm1', C), post(owner, 'o1'), post(fred, 'f1'), post(owner, 'o2'), post(fred, 'f2'), post(owner, 'o3')])
    await deliver([configEvent(C, { pinnedPosts: pins }, 'update'), actionEvent(owner, 'h1', C, 'hide_post', postUri(owner, 'o2'), '2026-11-01T00:00:00.000Z')])
    const feedUri = `at://${owner}/${NSID.feedGenerator}/${C.id}`
    const first = (await get(`/xrpc/${NSID.getFeedSkeleton}?feed=${encodeURIComponent(feedUri)}&limit=2`)).body
    expect(first.feed).toEqual([{ post: postUri(owner, 'o1'), reason: { $type: 'app.bsky.feed.defs#skeletonReasonPin' } }, { post: postUri(owner, 'o3') }])
    const rest = (await get(`/xrpc/${NSID.getFeedSkeleton}?feed=${encodeURIComponent(feedUri)}&limit=10&cursor=${encodeURIComponent(first.cursor)}`)).body
    expect(rest.feed).toEqual([postUri(fred, 'f2'), postUri(fred, 'f1')].map((post) => ({ post })))
  })
})

// SPEC §11 on the Workers host: a self-labelled adult post stays out of a community that does not allow it.
describe('Workers host: content labels', () => {
  it('an adult post reaches only the community that allows adult content', async () => {
    const owner = 'did:plc:lbl-owner'
    const Safe = community(owner, '3klabelsafe22')
    const Open = community(owner, '3klabelopen22')
    const labels = { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: 'graphic-media' }] }
    await deliver([configEvent(Safe), configEvent(Open, { contentPolicy: { allowAdult: true } }), postEvent(owner, 'x1', `${Safe.hashtag} ${Open.hashtag}`, { labels }), postEvent(owner, 'x2', `${Safe.hashtag} plain`)])
    expect([await readFeed(get, Safe.id), await readFeed(get, Open.id)]).toEqual([[postUri(owner, 'x2')], [postUri(owner, 'x1')]])
  })
})
