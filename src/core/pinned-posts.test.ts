import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RepoEvent } from './events.js'
import { NSID } from './nsid.js'
import { MAX_PINS, PIN_REASON } from './pinned-posts.js'
import { purgeChunk } from './retention.js'
import { actionEvent, community, configEvent, del, membershipEvent, postEvent, postUri, T0 } from '../../test/support/events.js'
import { indexHarness } from '../../test/support/index-harness.js'
import { US_PER_DAY } from './time.js'

// SPEC §10: a config names up to 3 posts the first page starts with, marked as pinned, once.
const alice = 'did:plc:alice' // owner
const dave = 'did:plc:dave' // moderator
const bob = 'did:plc:bob' // member
const A = community(alice, '3jzfcijpj2z2a')
const feedUri = `at://${alice}/${NSID.feedGenerator}/${A.id}`

let h: ReturnType<typeof indexHarness>
beforeEach(() => (h = indexHarness()))
afterEach(() => h.close())

const post = (did: string, rkey: string) => postEvent(did, rkey, `hi ${A.hashtag}`)
const pin = (...uris: string[]) => configEvent(A, { moderators: [dave], pinnedPosts: uris }, 'update')
const base = (): RepoEvent[] => [configEvent(A, { moderators: [dave] }), membershipEvent(bob, 'm1', A), post(alice, 'a1'), post(bob, 'b1'), post(dave, 'd1'), post(bob, 'b2'), post(alice, 'a2')]
const page = (limit: number, cursor?: string) => {
  const r = h.feeds.getFeedSkeleton({ feed: feedUri, limit, ...(cursor ? { cursor } : {}) })
  if (!r.ok) throw new Error(r.error.message)
  return r.value
}
const rkeys = (feed: { post: string; reason?: unknown }[]) => feed.map((f) => `${f.post.split('/').pop()}${f.reason ? '*' : ''}`)

describe('pinned posts (SPEC §10)', () => {
  it.each<{ name: string; events: () => RepoEvent[]; first: string[] }>([
    { name: 'the first page starts with the pins in config order, not repeated below', events: () => [...base(), pin(postUri(dave, 'd1'), postUri(alice, 'a1'))], first: ['d1*', 'a1*', 'a2', 'b2', 'b1'] },
    { name: "a member's post is not pinned (only the owner's and moderators')", events: () => [...base(), pin(postUri(bob, 'b1'), postUri(alice, 'a1'))], first: ['a1*', 'a2', 'b2', 'd1', 'b1'] },
    { name: 'a hidden pin is skipped', events: () => [...base(), pin(postUri(alice, 'a1')), actionEvent(dave, 'x1', A, 'hide_post', postUri(alice, 'a1'), '2026-11-01T00:00:00.000Z')], first: ['a2', 'b2', 'd1', 'b1'] },
    { name: 'a deleted pin is skipped', events: () => [...base(), pin(postUri(alice, 'a1')), del(alice, NSID.post, 'a1')], first: ['a2', 'b2', 'd1', 'b1'] },
    { name: 'a pin that was never indexed here is skipped', events: () => [...base(), pin(postUri(alice, 'zz'))], first: ['a2', 'b2', 'd1', 'b1', 'a1'] },
    { name: "a moderator's pin goes when they stop being one", events: () => [...base(), pin(postUri(dave, 'd1')), configEvent(A, { moderators: [], pinnedPosts: [postUri(dave, 'd1')] }, 'update')], first: ['a2', 'b2', 'b1', 'a1'] },
    { name: 'no pins: the feed as before', events: () => base(), first: ['a2', 'b2', 'd1', 'b1', 'a1'] },
  ])('$name', ({ events, first }) => {
    h.apply(...events())
    expect(rkeys(page(10).feed)).toEqual(first)
  })

  it('pins count within the limit; later pages carry no pin, and the whole feed holds each post once', () => {
    h.apply(...base(), pin(postUri(alice, 'a1'), postUri(dave, 'd1')))
    const p1 = page(3)
    expect(rkeys(p1.feed)).toEqual(['a1*', 'd1*', 'a2'])
    expect(p1.feed[0]!.reason).toEqual(PIN_REASON)
    const p2 = page(3, p1.cursor)
    const p3 = p2.cursor ? page(3, p2.cursor) : { feed: [] }
    expect([...rkeys(p2.feed), ...rkeys(p3.feed)]).toEqual(['b2', 'b1'])
  })

  it('a limit smaller than the pins gives pins only, and the next page starts the feed by time', () => {
    h.apply(...base(), pin(postUri(alice, 'a1'), postUri(dave, 'd1')))
    const p1 = page(1)
    expect(rkeys(p1.feed)).toEqual(['a1*'])
    expect(rkeys(page(10, p1.cursor).feed)).toEqual(['a2', 'b2', 'b1'])
  })

  it('a pinned post outlives retention while pinned, and goes once unpinned', () => {
    h.apply(configEvent(A, { moderators: [dave] }), postEvent(alice, 'old', `welcome ${A.hashtag}`, {}, 'create', T0 - 1000), post(alice, 'a2'))
    h.apply(pin(postUri(alice, 'old')))
    const purge = () => purgeChunk(h.store, { nowUs: T0 + 8 * US_PER_DAY, minSortUs: T0 + 7 * US_PER_DAY }, 500)
    purge()
    expect(h.driver.all('SELECT post_key FROM posts').map((r) => (r as { post_key: string }).post_key)).toEqual([`${alice}/old`])
    h.apply(pin())
    purge()
    expect(h.driver.all('SELECT post_key FROM posts')).toEqual([])
  })

  it.each([
    // These two rows hold MAX_PINS to the lexicon's maxLength.
    ['MAX_PINS pins', Array.from({ length: MAX_PINS }, (_, n) => postUri(alice, `p${n}`)), true],
    ['one pin more than MAX_PINS', Array.from({ length: MAX_PINS + 1 }, (_, n) => postUri(alice, `p${n}`)), false],
    ['a profile URI', [`at://${alice}/app.bsky.actor.profile/self`], false],
    ['a handle authority', ['at://alice.test/app.bsky.feed.post/3jzfcijpj2z2a'], false],
    ['three posts, one twice', [postUri(alice, 'p1'), postUri(alice, 'p1'), postUri(dave, 'p2')], true],
  ])('config with %s: valid %s', (_n, pinnedPosts, valid) => {
    h.apply(configEvent(A, { pinnedPosts }))
    expect(h.store.getConfig(A.uri) !== undefined).toBe(valid)
  })
})
