import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { applyInteractions, MAX_INTERACTIONS, MAX_LESS_PER_VIEWER, parseInteractions, REQUEST_LESS, REQUEST_MORE } from './interactions.js'
import { FeedService } from './feed-service.js'
import { NSID } from './nsid.js'
import { US_PER_DAY } from './time.js'
import { community, configEvent, membershipEvent, postEvent, postUri, T0 } from '../../test/support/events.js'
import { indexHarness } from '../../test/support/index-harness.js'

// SPEC §12: "show less like this" from a signed-in viewer hides an author's posts from them alone.
const alice = 'did:plc:alice'
const bob = 'did:plc:bob'
const carol = 'did:plc:carol'
const viewer = 'did:plc:viewer'
const A = community(alice, '3jzfcijpj2z2a')
const feed = `at://${alice}/${NSID.feedGenerator}/${A.id}`
const less = (post: string, feedContext = A.id) => ({ event: REQUEST_LESS, item: post, feedContext })

describe('parseInteractions', () => {
  it.each<[string, unknown, number | string]>([
    ['a request-less', { interactions: [less(postUri(bob, 'p1'))] }, 1],
    ['a request-more', { interactions: [{ event: REQUEST_MORE, item: postUri(bob, 'p1'), feedContext: A.id }] }, 1],
    ['other events are skipped', { interactions: [{ event: 'app.bsky.feed.defs#interactionLike', item: postUri(bob, 'p1'), feedContext: A.id }] }, 0],
    ['an item that is not a post', { interactions: [less(`at://${bob}/app.bsky.actor.profile/self`)] }, 0],
    ['a feedContext that is not a community id', { interactions: [less(postUri(bob, 'p1'), 'hello')] }, 0],
    ['no interactions array', {}, 'interactions must be an array'],
    ['a body that is not an object', 'less', 'interactions must be an array'],
    ['an interaction that is not an object', { interactions: [1] }, 'each interaction must be an object'],
    ['too many', { interactions: Array(MAX_INTERACTIONS + 1).fill(less(postUri(bob, 'p1'))) }, `at most ${MAX_INTERACTIONS} interactions per request`],
    ['too many feeds', { interactions: Array.from({ length: 11 }, (_, i) => less(postUri(bob, 'p1'), `0000000${i.toString(16)}`.slice(-8))) }, 'at most 10 feeds per request'],
  ])('%s', (_n, body, want) => {
    const r = parseInteractions(body)
    if (typeof want === 'number') expect(r.ok && r.value.length).toBe(want)
    else expect(r).toEqual({ ok: false, error: want })
  })
})

describe('show less (SPEC §12)', () => {
  let h: ReturnType<typeof indexHarness>
  beforeEach(() => {
    h = indexHarness()
    h.apply(configEvent(A), membershipEvent(bob, 'm1', A), membershipEvent(carol, 'm2', A))
    h.apply(postEvent(bob, 'b1', `one ${A.hashtag}`), postEvent(carol, 'c1', `two ${A.hashtag}`), postEvent(bob, 'b2', `three ${A.hashtag}`))
  })
  afterEach(() => h.close())
  const page = (who?: string, nowUs = T0) => {
    const feeds = new FeedService({ store: h.store, serviceDid: 'did:web:x', minSortUs: () => 0, nowUs: () => nowUs })
    const r = feeds.getFeedSkeleton({ feed, limit: 10, ...(who ? { viewer: who } : {}) })
    if (!r.ok) throw new Error(r.error.message)
    return r.value.feed
  }
  const apply = (body: object, who = viewer) => {
    const parsed = parseInteractions(body)
    if (!parsed.ok) throw new Error(parsed.error)
    return applyInteractions(h.store, who, parsed.value, T0, 7 * US_PER_DAY)
  }

  it("hides the author from that viewer only, marks the viewer's items with the community, and show more undoes it", () => {
    expect(apply({ interactions: [less(postUri(bob, 'b1'))] })).toBe(1)
    expect(page(viewer)).toEqual([{ post: postUri(carol, 'c1'), feedContext: A.id }])
    expect(page('did:plc:other').map((i) => i.post)).toEqual([postUri(bob, 'b2'), postUri(carol, 'c1'), postUri(bob, 'b1')])
    expect(page().every((i) => i.feedContext === undefined)).toBe(true)
    apply({ interactions: [{ event: REQUEST_MORE, item: postUri(bob, 'b2'), feedContext: A.id }] })
    expect(page(viewer)).toHaveLength(3)
  })

  it('lasts the retention window', () => {
    apply({ interactions: [less(postUri(bob, 'b1'))] })
    expect(page(viewer, T0 + 7 * US_PER_DAY - 1)).toHaveLength(1)
    expect(page(viewer, T0 + 7 * US_PER_DAY)).toHaveLength(3)
  })

  it('names only posts the community holds: another id or an unknown post changes nothing', () => {
    expect(apply({ interactions: [less(postUri(bob, 'nope')), less(postUri(bob, 'b1'), 'ffffffff')] })).toBe(0)
    expect(page(viewer)).toHaveLength(3)
  })

  it(`keeps at most ${MAX_LESS_PER_VIEWER} authors per viewer and community, the latest`, () => {
    const authors = Array.from({ length: MAX_LESS_PER_VIEWER + 5 }, (_, i) => `did:plc:a${String(i).padStart(4, '0')}`)
    h.apply(...authors.flatMap((did) => [membershipEvent(did, 'm', A), postEvent(did, 'p', `x ${A.hashtag}`)]))
    authors.forEach((did, i) => applyInteractions(h.store, viewer, [{ event: REQUEST_LESS, post: postUri(did, 'p'), author: did, community: A.id }], T0 + i, 7 * US_PER_DAY))
    const kept = h.store.lessAuthors(A.uri, viewer, T0)
    expect(kept).toHaveLength(MAX_LESS_PER_VIEWER)
    expect(kept).not.toContain(authors[0])
    expect(kept).toContain(authors.at(-1))
  })
})
