import { afterEach, describe, expect, it } from 'vitest'
import { NSID } from './nsid.js'
import type { RepoEvent } from './events.js'
import { actionEvent, community, configEvent, del, isoUs, membershipEvent, postEvent, postUri, T0, tick } from '../../test/support/events.js'
import { indexHarness } from '../../test/support/index-harness.js'

const alice = 'did:plc:alice' // owner
const bob = 'did:plc:bob' // member
const carol = 'did:plc:carol' // not a member
const dave = 'did:plc:dave' // moderator
const mallory = 'did:plc:mallory' // claims to be a moderator
const A = community(alice, '3jzfcijpj2z2a')
const B = community(alice, '3jzfcijpj2z2b')

let h = indexHarness()
afterEach(() => h.close())
const fresh = () => {
  h.close()
  h = indexHarness()
  return h
}

const base = (): RepoEvent[] => [
  configEvent(A, { moderators: [dave] }),
  membershipEvent(bob, 'm1', A),
  membershipEvent(mallory, 'm2', A, { role: 'moderator' }),
]
const post = (did: string, rkey: string, text = `hello ${A.hashtag}`, fields: object = {}) => postEvent(did, rkey, text, fields)
const hideAt = (who: string, rkey: string, target: string, createdAt: string, action = 'hide_post') =>
  actionEvent(who, rkey, A, action, target, createdAt)

interface Case {
  name: string
  events: () => RepoEvent[]
  /** Expected feed of community A, newest first, as [did, rkey] pairs. */
  feed: [string, string][]
}

const cases: Case[] = [
  // SPEC §4: membership decides visibility, not admission.
  { name: "a non-member's post is kept but not shown", events: () => [...base(), post(carol, 'p1')], feed: [] },
  { name: 'joining shows the posts written before', events: () => [...base(), post(carol, 'p1'), post(carol, 'p2'), membershipEvent(carol, 'm3', A)], feed: [[carol, 'p2'], [carol, 'p1']] },
  { name: 'leaving (deleting the membership) hides them again', events: () => [...base(), post(carol, 'p1'), membershipEvent(carol, 'm3', A), del(carol, NSID.membership, 'm3')], feed: [] },
  { name: 'rejoining shows them again', events: () => [...base(), post(carol, 'p1'), membershipEvent(carol, 'm3', A), del(carol, NSID.membership, 'm3'), membershipEvent(carol, 'm4', A)], feed: [[carol, 'p1']] },
  { name: 'a membership updated to inactive is a leave, and back to active a join', events: () => [...base(), post(bob, 'p1'), membershipEvent(bob, 'm1', A, { active: false }), post(bob, 'p2'), membershipEvent(bob, 'm1', A, { active: true })], feed: [[bob, 'p2'], [bob, 'p1']] },
  { name: 'a membership that moves to another community leaves the first', events: () => [...base(), configEvent(B), post(bob, 'p1'), membershipEvent(bob, 'm1', B)], feed: [] },
  { name: 'one of two membership records is enough', events: () => [...base(), membershipEvent(bob, 'm9', A), post(bob, 'p1'), del(bob, NSID.membership, 'm1')], feed: [[bob, 'p1']] },
  { name: 'a moderator added by the config is a join', events: () => [...base(), post(carol, 'p1'), configEvent(A, { moderators: [dave, carol] }, 'update')], feed: [[carol, 'p1']] },
  { name: 'a moderator removed by the config is a leave', events: () => [...base(), post(dave, 'p1'), post(bob, 'p2'), configEvent(A, { moderators: [] }, 'update')], feed: [[bob, 'p2']] },
  { name: 'a blocked member who leaves and rejoins stays hidden until unblocked', events: () => [...base(), post(bob, 'p1'), actionEvent(dave, 'a1', A, 'block_user', bob, '2026-11-01T00:00:00.000Z'), del(bob, NSID.membership, 'm1'), membershipEvent(bob, 'm5', A)], feed: [] },
  { name: 'a member and the owner and a moderator are shown; a non-member is not', events: () => [...base(), post(bob, 'p1'), post(carol, 'p2'), post(alice, 'p3'), post(dave, 'p4')], feed: [[dave, 'p4'], [alice, 'p3'], [bob, 'p1']] },
  { name: 'a membership claiming role: moderator grants only membership', events: () => [...base(), post(bob, 'p1'), post(mallory, 'p2'), hideAt(mallory, 'a1', postUri(bob, 'p1'), isoUs(T0))], feed: [[mallory, 'p2'], [bob, 'p1']] },
  { name: 'a moderation action from a non-moderator is ignored', events: () => [...base(), post(bob, 'p1'), hideAt(carol, 'a1', postUri(bob, 'p1'), isoUs(T0)), actionEvent(carol, 'a2', A, 'block_user', bob, isoUs(T0))], feed: [[bob, 'p1']] },
  { name: 'an inactive membership is not membership', events: () => [configEvent(A), membershipEvent(bob, 'm1', A, { active: false }), post(bob, 'p1')], feed: [] },
  { name: 'a moderator hides a post', events: () => [...base(), post(bob, 'p1'), post(bob, 'p2'), hideAt(dave, 'a1', postUri(bob, 'p1'), isoUs(T0))], feed: [[bob, 'p2']] },
  { name: 'a hide that arrives before its post', events: () => [...base(), hideAt(dave, 'a1', postUri(bob, 'p1'), isoUs(T0)), post(bob, 'p1'), post(bob, 'p2')], feed: [[bob, 'p2']] },
  { name: 'deleting the hide withdraws it', events: () => [...base(), post(bob, 'p1'), hideAt(dave, 'a1', postUri(bob, 'p1'), isoUs(T0)), del(dave, NSID.action, 'a1')], feed: [[bob, 'p1']] },
  { name: 'a later unhide wins, by createdAt not arrival', events: () => [...base(), post(bob, 'p1'), hideAt(alice, 'a2', postUri(bob, 'p1'), '2026-11-01T00:00:02.000Z', 'unhide_post'), hideAt(dave, 'a1', postUri(bob, 'p1'), '2026-11-01T00:00:01.000Z')], feed: [[bob, 'p1']] },
  { name: 'equal createdAt: the larger action URI wins', events: () => [...base(), post(bob, 'p1'), hideAt(dave, 'b', postUri(bob, 'p1'), '2026-11-01T00:00:00.000Z'), hideAt(dave, 'a', postUri(bob, 'p1'), '2026-11-01T00:00:00.000Z', 'unhide_post')], feed: [] },
  { name: 'a block hides the author; an unblock brings back every post, those written during the block too', events: () => [...base(), post(bob, 'p1'), actionEvent(dave, 'a1', A, 'block_user', bob, '2026-11-01T00:00:00.000Z'), post(bob, 'p2'), actionEvent(dave, 'a2', A, 'unblock_user', bob, '2026-11-01T00:00:01.000Z'), post(bob, 'p3')], feed: [[bob, 'p3'], [bob, 'p2'], [bob, 'p1']] },
  { name: 'a block in force hides posts written during it', events: () => [...base(), post(bob, 'p1'), actionEvent(dave, 'a1', A, 'block_user', bob, '2026-11-01T00:00:00.000Z'), post(bob, 'p2')], feed: [] },
  { name: 'blocking the owner has no effect', events: () => [...base(), post(alice, 'p1'), actionEvent(dave, 'a1', A, 'block_user', alice, isoUs(T0)), post(alice, 'p2')], feed: [[alice, 'p2'], [alice, 'p1']] },
  { name: 'removing a moderator withdraws their actions', events: () => [...base(), post(bob, 'p1'), hideAt(dave, 'a1', postUri(bob, 'p1'), isoUs(T0)), configEvent(A, { moderators: [] }, 'update')], feed: [[bob, 'p1']] },
  { name: 'an action before its config applies when the config arrives', events: () => [membershipEvent(bob, 'm1', A), hideAt(alice, 'a1', postUri(bob, 'p1'), isoUs(T0)), configEvent(A), post(bob, 'p1'), post(bob, 'p2')], feed: [[bob, 'p2']] },
  { name: '#atrarium_<id>x runs past the id and does not route', events: () => [...base(), post(bob, 'p1', `x ${A.hashtag}x`), post(bob, 'p2', `x ${A.hashtag}é`), post(bob, 'p3', `x ${A.hashtag}、`)], feed: [[bob, 'p3']] },
  { name: 'a hashtag carried only in tags routes', events: () => [...base(), post(bob, 'p1', 'no tag', { tags: [A.tag] })], feed: [[bob, 'p1']] },
  { name: 'more than five hashtags: only the first five count', events: () => [...base(), post(bob, 'p1', ['00000001', '00000002', '00000003', '00000004', '00000005'].map((i) => `#atrarium_${i}`).join(' ') + ` ${A.hashtag}`), post(bob, 'p2', `${A.hashtag} #atrarium_00000001`)], feed: [[bob, 'p2']] },
  { name: 'an invalid post is ignored', events: () => [...base(), post(bob, 'p1', `${A.hashtag} ${'x'.repeat(300)}`), post(bob, 'p2', `${A.hashtag}`, { tags: Array(9).fill('t') }), post(bob, 'p3')], feed: [[bob, 'p3']] },
  { name: 'a post delete removes it', events: () => [...base(), post(bob, 'p1'), post(bob, 'p2'), del(bob, NSID.post, 'p1')], feed: [[bob, 'p2']] },
  { name: 'an update that drops the tag removes it; one that adds it indexes it', events: () => [...base(), post(bob, 'p1'), post(bob, 'p2', 'untagged'), postEvent(bob, 'p1', 'untagged now', {}, 'update'), postEvent(bob, 'p2', `now ${A.hashtag}`, {}, 'update')], feed: [[bob, 'p2']] },
  { name: 'the config deleted: posts are dropped and the feed is unknown', events: () => [...base(), post(bob, 'p1'), del(alice, NSID.config, A.rkey)], feed: [] },
  { name: 'an invalid config update is ignored: the last valid one stays', events: () => [...base(), configEvent(A, { moderators: [dave], feedMix: { own: 0.8, parent: 0.2, global: 0 } }, 'update'), post(bob, 'p1'), hideAt(dave, 'a1', postUri(bob, 'p1'), isoUs(T0))], feed: [] },
]

describe('Indexer: SPEC §1–5 scenarios', () => {
  it.each(cases)('$name', ({ name, events, feed }) => {
    fresh().apply(...events())
    if (name.startsWith('the config deleted')) {
      expect(() => h.feed(A.id)).toThrow(/UnknownFeed/)
      expect(h.driver.all('SELECT * FROM posts')).toEqual([])
      return
    }
    expect(h.feed(A.id)).toEqual(feed.map(([did, rkey]) => postUri(did, rkey)))
  })

  it("keeps at most 100 of a non-member's posts per community, the newest; joining shows them", () => {
    const h = fresh()
    h.apply(...base(), ...Array.from({ length: 103 }, (_, i) => post(carol, `p${String(i).padStart(3, '0')}`)))
    expect(h.feed(A.id, 100)).toEqual([])
    h.apply(membershipEvent(carol, 'm3', A))
    const shown = h.feed(A.id, 100)
    expect(shown).toHaveLength(100)
    expect(shown[0]).toBe(postUri(carol, 'p102'))
    expect(shown.at(-1)).toBe(postUri(carol, 'p003'))
  })

  it('an update that moves a post into another community keeps its sort time there', () => {
    const h = fresh()
    h.apply(configEvent(A), configEvent(B), membershipEvent(bob, 'm1', A), membershipEvent(bob, 'm2', B))
    h.apply(post(bob, 'old', `first ${A.hashtag}`), post(bob, 'new', `second ${B.hashtag}`))
    h.apply(postEvent(bob, 'old', `moved ${B.hashtag}`, {}, 'update'))
    // Sorted by the original write, not the update: it stays below the newer post.
    expect(h.feed(B.id)).toEqual([postUri(bob, 'new'), postUri(bob, 'old')])
    expect(h.feed(A.id)).toEqual([])
  })

  it('a replay after a crash (the rewind re-applies events past changed memberships) gives the uninterrupted feed', () => {
    const events = [
      ...base(), post(carol, 'p1'), post(bob, 'p2'), membershipEvent(carol, 'm3', A), post(carol, 'p3'), del(bob, NSID.membership, 'm1'),
      post(bob, 'p4'), del(carol, NSID.membership, 'm3'), membershipEvent(bob, 'm6', A), post(carol, 'p5'), membershipEvent(carol, 'm7', A),
    ]
    const whole = fresh()
    whole.apply(...events)
    const want = whole.feed(A.id, 100)
    expect(want).toEqual(['p5', 'p4', 'p3', 'p2', 'p1'].map((r) => postUri(r === 'p2' || r === 'p4' ? bob : carol, r)))
    // Killed after every prefix, restarted with a rewind of up to five events.
    for (let cut = 1; cut < events.length; cut++) {
      for (const rewind of [1, 3, 5]) {
        const h = fresh()
        h.apply(...events.slice(0, cut))
        h.apply(...events.slice(Math.max(0, cut - rewind)))
        expect(h.feed(A.id, 100), `cut ${cut}, rewind ${rewind}`).toEqual(want)
      }
    }
  })

  it.each([
    { name: "a member's post", events: () => [post(bob, 'p1')], outcome: { applied: 1, notMember: 0, duplicate: 0 } },
    { name: "a non-member's post is kept, not shown", events: () => [post(carol, 'p1')], outcome: { applied: 0, notMember: 1, duplicate: 0 } },
    { name: 'a replayed create', events: () => [post(bob, 'p1'), post(bob, 'p1'), post(carol, 'p2'), post(carol, 'p2')], outcome: { applied: 1, notMember: 1, duplicate: 2 } },
    { name: 'a post in two communities counts in each', events: () => [post(bob, 'p1', `${A.hashtag} ${B.hashtag}`)], outcome: { applied: 1, notMember: 1, duplicate: 0 } },
  ])('counts each post by outcome: $name', ({ events, outcome }) => {
    const h = fresh()
    h.apply(...base(), configEvent(B))
    const before = { ...h.indexer.stats }
    h.apply(...events())
    const { applied, notMember, duplicate } = h.indexer.stats
    expect({ applied: applied - before.applied, notMember: notMember - before.notMember, duplicate: duplicate - before.duplicate }).toEqual(outcome)
  })

  it('applying every event twice gives the same state', () => {
    const events = [...base(), post(bob, 'p1'), hideAt(dave, 'a1', postUri(bob, 'p1'), isoUs(T0)), post(bob, 'p2'), postEvent(bob, 'p2', `edited ${A.hashtag}`, {}, 'update'), del(bob, NSID.post, 'p9')]
    fresh().apply(...events)
    const once = h.snapshot()
    h.apply(...events)
    expect(h.snapshot()).toEqual(once)
    for (const e of events) h.apply(e, e)
    expect(h.snapshot()).toEqual(once)
  })

  it('a config whose hashtag is not its derived one is invalid', () => {
    fresh().apply(configEvent(A, { hashtag: B.hashtag }), membershipEvent(bob, 'm1', A), post(bob, 'p1'))
    expect(() => h.feed(A.id)).toThrow(/UnknownFeed/)
    expect(() => h.feed(B.id)).toThrow(/UnknownFeed/)
    expect(h.indexer.stats.invalid[NSID.config]).toBe(1)
  })

  it('a future createdAt cannot pin a post to the top', () => {
    fresh().apply(...base())
    const early = tick()
    h.apply(postEvent(bob, 'future', A.hashtag, { createdAt: '2099-01-01T00:00:00.000Z' }, 'create', early))
    h.apply(post(bob, 'later'))
    h.apply(postEvent(bob, 'bad-date', A.hashtag, { createdAt: 'yesterday' }))
    expect(h.feed(A.id)).toEqual([postUri(bob, 'bad-date'), postUri(bob, 'later'), postUri(bob, 'future')])
    expect(h.store.postSortUs(postUri(bob, 'future'))).toBe(early)
  })

  it('an update keeps the sort time already indexed', () => {
    fresh().apply(...base(), post(bob, 'p1'), post(bob, 'p2'))
    const before = h.store.postSortUs(postUri(bob, 'p1'))
    h.apply(postEvent(bob, 'p1', `edited ${A.hashtag}`, {}, 'update'))
    expect(h.store.postSortUs(postUri(bob, 'p1'))).toBe(before)
    expect(h.feed(A.id)).toEqual([postUri(bob, 'p2'), postUri(bob, 'p1')])
  })

  it('120 posts in the same millisecond, paged 50 at a time, each appear exactly once', () => {
    fresh().apply(...base())
    const t = tick()
    const rkeys = Array.from({ length: 120 }, (_, i) => `p${String(i).padStart(3, '0')}`)
    h.apply(...rkeys.map((r) => postEvent(bob, r, A.hashtag, {}, 'create', t)))
    const pages = h.feed(A.id, 50)
    expect(pages).toHaveLength(120)
    expect(new Set(pages).size).toBe(120)
    expect(pages).toEqual(rkeys.map((r) => postUri(bob, r)).sort().reverse())
  })

  it('a post counts in several communities and one delete removes it from all', () => {
    fresh().apply(...base(), configEvent(B), membershipEvent(bob, 'm3', B), post(bob, 'p1', `${A.hashtag} ${B.hashtag}`))
    expect([h.feed(A.id), h.feed(B.id)]).toEqual([[postUri(bob, 'p1')], [postUri(bob, 'p1')]])
    h.apply(del(bob, NSID.post, 'p1'))
    expect([h.feed(A.id), h.feed(B.id)]).toEqual([[], []])
  })

  it('retention: an old post is never indexed and an indexed one stops being served', () => {
    fresh().apply(...base(), postEvent(bob, 'old', A.hashtag, {}, 'create', T0 - 8 * 86_400_000_000))
    expect(h.store.postSortUs(postUri(bob, 'old'))).toBeUndefined()
    h.apply(post(bob, 'p1'))
    const later = indexHarness({ nowUs: T0 + 8 * 86_400_000_000 })
    later.apply(...base(), post(bob, 'p1'))
    expect(later.feed(A.id)).toEqual([])
    later.close()
  })
})
