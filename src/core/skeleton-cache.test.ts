import { describe, expect, it } from 'vitest'
import type { Skeleton } from './feed-service.js'
import { SkeletonCache } from './skeleton-cache.js'

const page = (n: number): Skeleton => ({ feed: [{ post: `at://did:plc:a/app.bsky.feed.post/${n}` }], cursor: `c${n}` })

describe('SkeletonCache', () => {
  it.each([
    ['same version, same horizon', 1, 1_000, true],
    ['horizon moved less than the drift', 1, 1_000 + 999_999, true],
    ['horizon moved by the drift exactly', 1, 1_000 + 1_000_000, true],
    ['horizon moved past the drift', 1, 1_000 + 1_000_001, false],
    ['clock went back past the drift', 1, 1_000 - 1_000_001, false],
    ['index version moved', 2, 1_000, false],
  ])('%s: hit %s', (_, version, minSortUs, hit) => {
    const cache = new SkeletonCache({ maxEntries: 10 })
    const stored = cache.set('k', 1, 1_000, page(1))
    expect(cache.get('k', version, minSortUs)).toBe(hit ? stored : undefined)
    expect(cache.stats).toEqual(hit ? { hits: 1, misses: 0 } : { hits: 0, misses: 1 })
  })

  it('returns the page frozen, and misses on other keys', () => {
    const cache = new SkeletonCache({ maxEntries: 10 })
    const stored = cache.set('k', 1, 0, page(1))
    expect(stored).toEqual(page(1))
    expect(Object.isFrozen(stored) && Object.isFrozen(stored.feed) && Object.isFrozen(stored.feed[0])).toBe(true)
    expect(cache.get('other', 1, 0)).toBeUndefined()
  })

  it('forgets every page of an older version, even when asked at the old one again', () => {
    const cache = new SkeletonCache({ maxEntries: 10 })
    cache.set('a', 1, 0, page(1))
    cache.set('b', 1, 0, page(2))
    expect(cache.get('a', 2, 0)).toBeUndefined()
    expect(cache.size).toBe(0)
    cache.set('c', 1, 0, page(3))
    expect(cache.get('c', 2, 0)).toBeUndefined()
  })

  it('evicts the least recently used page beyond maxEntries', () => {
    const cache = new SkeletonCache({ maxEntries: 2 })
    cache.set('a', 1, 0, page(1))
    cache.set('b', 1, 0, page(2))
    expect(cache.get('a', 1, 0)).toBeDefined()
    cache.set('c', 1, 0, page(3))
    expect([cache.get('a', 1, 0)?.cursor, cache.get('b', 1, 0), cache.get('c', 1, 0)?.cursor]).toEqual(['c1', undefined, 'c3'])
    expect(cache.size).toBe(2)
  })

  it('keeps nothing with maxEntries 0', () => {
    const cache = new SkeletonCache({ maxEntries: 0 })
    cache.set('a', 1, 0, page(1))
    expect([cache.get('a', 1, 0), cache.size]).toEqual([undefined, 0])
  })
})
