import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { actionEvent, community, configEvent, del, isoUs, membershipEvent, postEvent, T0 } from '../../test/support/events.js'
import { indexHarness } from '../../test/support/index-harness.js'
import type { RepoEvent } from './events.js'
import { FeedService, type SkeletonParams } from './feed-service.js'
import { NSID } from './nsid.js'
import { SkeletonCache } from './skeleton-cache.js'

const alice = 'did:plc:alice'
const bob = 'did:plc:bob'
const carol = 'did:plc:carol'
const P = community(alice, '3jzfcijpj2z2p')
const C = community(alice, '3jzfcijpj2z2c')
const G = community(carol, '3jzfcijpj2z2g')
const feedOf = (id: string) => `at://${alice}/${NSID.feedGenerator}/${id}`

let h: ReturnType<typeof indexHarness>
beforeEach(() => {
  h = indexHarness()
})
afterEach(() => h.close())

describe('FeedService with a SkeletonCache', () => {
  // Every kind of write a feed depends on, one step at a time; after each, the cached service
  // must answer exactly what an uncached one over the same index answers.
  const steps: [string, () => RepoEvent[]][] = [
    ['communities', () => [configEvent(P), configEvent(C, { parentCommunity: P.uri, feedMix: { own: 60, parent: 30, global: 10 } }), configEvent(G)]],
    ['members', () => [membershipEvent(bob, 'mp', P), membershipEvent(bob, 'mc', C), membershipEvent(carol, 'mg', G)]],
    ['posts', () => Array.from({ length: 12 }, (_, i) => postEvent(bob, `c${i}`, `hi ${[C, P, P, C][i % 4]!.hashtag}`)).concat(postEvent(carol, 'g1', `yo ${G.hashtag}`))],
    ['a post in two communities', () => [postEvent(bob, 'both', `${C.hashtag} ${P.hashtag}`)]],
    ['hide', () => [actionEvent(alice, 'h1', C, 'hide_post', `at://${bob}/${NSID.post}/c0`, isoUs(T0))]],
    ['unhide', () => [del(alice, NSID.action, 'h1')]],
    ['block', () => [actionEvent(alice, 'b1', P, 'block_user', bob, isoUs(T0))]],
    ['unblock', () => [del(alice, NSID.action, 'b1')]],
    ['delete', () => [del(bob, NSID.post, 'c4')]],
    ['leave', () => [del(bob, NSID.membership, 'mc')]],
    ['new post', () => [postEvent(carol, 'g2', `later ${G.hashtag}`)]],
    ['mix changed', () => [configEvent(C, { parentCommunity: P.uri, feedMix: { own: 20, parent: 0, global: 80 } }, 'update')]],
    ['parent dropped', () => [configEvent(C, { feedMix: { own: 50, parent: 0, global: 50 } }, 'update')]],
    ['community deleted', () => [del(alice, NSID.config, P.rkey)]],
  ]

  it('answers exactly as without it after every kind of write, and serves repeats from the cache', () => {
    const cache = new SkeletonCache({ maxEntries: 100 })
    const cached = new FeedService({ store: h.store, serviceDid: 'did:web:x', minSortUs: () => h.indexer.minSortUs(), cache })
    const plain = new FeedService({ store: h.store, serviceDid: 'did:web:x', minSortUs: () => h.indexer.minSortUs() })
    const requests = (svc: FeedService) => [C, P, G].flatMap((c) => {
      const first: SkeletonParams = { feed: feedOf(c.id), limit: 4 }
      const r = svc.getFeedSkeleton(first)
      const next = r.ok && r.value.cursor ? [svc.getFeedSkeleton({ ...first, cursor: r.value.cursor })] : []
      return [r, ...next]
    })
    let hits = 0
    for (const [name, events] of steps) {
      h.apply(...events())
      const fromCache = requests(cached)
      expect({ name, pages: fromCache }).toEqual({ name, pages: requests(plain) })
      // Asked again with no write between: the very same objects, from the cache.
      requests(cached).forEach((r, i) => {
        const before = fromCache[i]!
        if (r.ok && before.ok) expect(r.value).toBe(before.value), hits++
      })
    }
    expect(hits).toBeGreaterThan(steps.length)
  })

  it('recomputes a page once the retention horizon has moved past the allowed drift', () => {
    let horizon = 0
    const cache = new SkeletonCache({ maxEntries: 10, maxHorizonDriftUs: 1_000 })
    const svc = new FeedService({ store: h.store, serviceDid: 'did:web:x', minSortUs: () => horizon, cache })
    h.apply(configEvent(C), membershipEvent(bob, 'mc', C), postEvent(bob, 'old', `hi ${C.hashtag}`))
    const sortUs = h.store.postSortUs(`at://${bob}/${NSID.post}/old`)!
    const ask = () => {
      const r = svc.getFeedSkeleton({ feed: feedOf(C.id), limit: 10 })
      return r.ok ? r.value.feed.length : -1
    }
    horizon = sortUs - 500
    expect(ask()).toBe(1)
    horizon = sortUs + 1 // out of the window now, but within the drift of the cached page
    expect(ask()).toBe(1)
    horizon = sortUs + 600 // 1,100 µs past the page's horizon
    expect(ask()).toBe(0)
  })

  it('shares one signed-in page among viewers who asked to see less of no one, and personalizes the rest', () => {
    const cached = new FeedService({ store: h.store, serviceDid: 'did:web:x', minSortUs: () => 0, cache: new SkeletonCache({ maxEntries: 10 }), nowUs: () => T0 })
    const plain = new FeedService({ store: h.store, serviceDid: 'did:web:x', minSortUs: () => 0, nowUs: () => T0 })
    h.apply(configEvent(C), membershipEvent(bob, 'mb', C), membershipEvent(carol, 'mc', C), postEvent(bob, 'b1', `hi ${C.hashtag}`), postEvent(carol, 'c1', `yo ${C.hashtag}`))
    const ask = (svc: FeedService, viewer: string) => {
      const r = svc.getFeedSkeleton({ feed: feedOf(C.id), limit: 10, viewer })
      if (!r.ok) throw new Error(r.error.message)
      return r.value
    }
    const v1 = 'did:plc:viewer1'
    const v2 = 'did:plc:viewer2'
    const shared = ask(cached, v1)
    expect(shared.feed.map((i) => [i.post.split('/').pop(), i.feedContext])).toEqual([['c1', C.id], ['b1', C.id]])
    expect(ask(cached, v2)).toBe(shared)
    expect(shared).toEqual(ask(plain, v1))
    h.store.requestLess(C.uri, v2, bob, T0 + 60_000_000, 100)
    const own = ask(cached, v2)
    expect(own.feed.map((i) => i.post.split('/').pop())).toEqual(['c1'])
    expect(own).toEqual(ask(plain, v2))
    expect(ask(cached, v1)).toEqual(shared)
  })
})

describe('FeedService snapshots', () => {
  it.each<[string, { own: number; parent: number; global: number }, boolean, number]>([
    ['one source: its one read is a snapshot of its own', { own: 100, parent: 0, global: 0 }, false, 0],
    ['own and global mixed', { own: 50, parent: 0, global: 50 }, false, 1],
    ['own and parent mixed', { own: 50, parent: 50, global: 0 }, true, 1],
    ['a parent share but no parent', { own: 50, parent: 50, global: 0 }, false, 0],
  ])('%s', (_name, feedMix, withParent, snapshots) => {
    h.apply(configEvent(P), configEvent(C, { feedMix, ...(withParent ? { parentCommunity: P.uri } : {}) }), membershipEvent(bob, 'mc', C), postEvent(bob, 'p1', `hi ${C.hashtag}`))
    let reads = 0
    const read = <T>(fn: () => T): T => (reads++, h.store.read!(fn))
    const store = new Proxy(h.store, {
      get: (target, key) => {
        if (key === 'read') return read
        const value: unknown = Reflect.get(target, key)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const svc = new FeedService({ store, serviceDid: 'did:web:x', minSortUs: () => 0 })
    const r = svc.getFeedSkeleton({ feed: feedOf(C.id), limit: 10 })
    expect(r.ok && r.value.feed.map((i) => i.post.split('/').pop())).toEqual(['p1'])
    expect(reads).toBe(snapshots)
  })
})
