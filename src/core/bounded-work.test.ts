import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { actionEvent, community, configEvent, membershipEvent, postEvent } from '../../test/support/events.js'
import { indexHarness } from '../../test/support/index-harness.js'
import { encodeFeedCursor } from './feed-cursor.js'
import { MAX_DESCRIBED_FEEDS } from './feed-service.js'
import { NSID } from './nsid.js'
import { hierarchyOf, MAX_CHILDREN, storeTree } from './community-tree.js'
import { ReadService } from './read-service.js'

const alice = 'did:plc:alice'
const bob = 'did:plc:bob'
const mallory = 'did:plc:mallory'
const P = community(alice, '3kppppppppppp')
const C = community(alice, '3kccccccccccc')

let h: ReturnType<typeof indexHarness>
beforeEach(() => (h = indexHarness()))
afterEach(() => h.close())

/** Rows and statements the store reads or writes while `fn` runs. */
function cost(fn: () => unknown): { rows: number; statements: number } {
  const { driver } = h
  const all = driver.all.bind(driver)
  const run = driver.run.bind(driver)
  const seen = { rows: 0, statements: 0 }
  driver.all = (sql, ...params) => {
    const out = all(sql, ...params)
    seen.statements++
    seen.rows += out.length
    return out as never
  }
  driver.run = (sql, ...params) => (seen.statements++, run(sql, ...params))
  try {
    fn()
  } finally {
    driver.all = all
    driver.run = run
  }
  return seen
}

describe('bounded work per request (SPEC §7)', () => {
  it('a crafted cursor over thousands of cross-posts reads a bounded number of rows and still goes on', () => {
    const N = 20_000
    h.apply(configEvent(P), configEvent(C, { parentCommunity: P.uri, feedMix: { own: 50, parent: 50, global: 0 } }), membershipEvent(bob, 'm', P), membershipEvent(bob, 'm2', C))
    for (let i = 0; i < N; i += 500) {
      h.apply(...Array.from({ length: 500 }, (_, j) => postEvent(bob, `x${i + j}`, `both ${P.hashtag} ${C.hashtag}`)))
    }
    const feed = `at://${alice}/${NSID.feedGenerator}/${C.id}`
    // Own at the very bottom: every parent post is one the own source "already passed".
    const cursor = encodeFeedCursor({ k: 1, taken: { own: 1, parent: 0, global: 0 }, pos: { own: { sortUs: 1, uri: `at://${bob}/${NSID.post}/zzz` } } })
    const limit = 10
    let page: ReturnType<typeof h.feeds.getFeedSkeleton> | undefined
    const spent = cost(() => (page = h.feeds.getFeedSkeleton({ feed, limit, cursor })))
    expect(page?.ok).toBe(true)
    if (!page?.ok) return
    expect(page.value.feed).toEqual([])
    expect(page.value.cursor).toBeDefined()
    // At most 10 × limit entries per source, each with its once-only check, plus one read-ahead
    // chunk: in proportion to the limit, not to the ${N} posts behind the cursor.
    expect(spent.rows).toBeLessThan(50 * limit)
    // The same page honestly asked for (no cursor) is full.
    const honest = h.feeds.getFeedSkeleton({ feed, limit })
    expect(honest.ok && honest.value.feed).toHaveLength(limit)
  })

  it('counting a big community\'s posts and members is paid once per change of the index, not per request', () => {
    h.apply(configEvent(P), membershipEvent(bob, 'm', P))
    for (let i = 0; i < 20_000; i += 1000) h.apply(...Array.from({ length: 1000 }, (_, j) => postEvent(bob, `y${i + j}`, `hi ${P.hashtag}`)))
    const reads = new ReadService({ store: h.store, minSortUs: () => 0 })
    const first = cost(() => reads.community({ community: P.uri }))
    expect(first.rows).toBeGreaterThan(0)
    expect(cost(() => reads.community({ community: P.uri })).rows).toBe(0)
    h.apply(postEvent(bob, 'one-more', `hi ${P.hashtag}`))
    const after = reads.community({ community: P.uri })
    expect(after.ok && after.value.counts.postsIndexed).toBe(20_001)
  })

  it('getCommunity and a config update cost the same whatever unauthorized actions exist', () => {
    h.apply(configEvent(P), membershipEvent(bob, 'm', P))
    const reads = new ReadService({ store: h.store, minSortUs: () => 0 })
    const before = { read: cost(() => reads.community({ community: P.uri })), update: cost(() => h.apply(configEvent(P, { name: 'renamed' }, 'update'))) }
    for (let i = 0; i < 20_000; i += 1000) {
      h.apply(...Array.from({ length: 1000 }, (_, j) => actionEvent(mallory, `a${i + j}`, P, 'block_user', `did:plc:victim${i + j}`, '2026-01-01T00:00:00.000Z')))
    }
    const after = { read: cost(() => reads.community({ community: P.uri })), update: cost(() => h.apply(configEvent(P, { name: 'again' }, 'update'))) }
    // A cached "no actions here" lookup may be one statement apart; none is per action or target.
    expect(after.read.statements).toBeLessThanOrEqual(before.read.statements + 2)
    expect(after.update.statements).toBeLessThanOrEqual(before.update.statements + 2)
    const counts = reads.community({ community: P.uri })
    expect(counts.ok && counts.value.counts.blockedUsers).toBe(0)
    // Making mallory a moderator re-judges exactly her targets, once.
    h.apply(configEvent(P, { moderators: [mallory] }, 'update'))
    const now = reads.community({ community: P.uri })
    expect(now.ok && now.value.counts.blockedUsers).toBe(20_000)
    h.apply(configEvent(P, { moderators: [] }, 'update'))
    const again = reads.community({ community: P.uri })
    expect(again.ok && again.value.counts.blockedUsers).toBe(0)
  })

  it('getCommunity lists a bounded number of children, however many configs name it as parent', () => {
    h.apply(configEvent(P))
    const children = Array.from({ length: MAX_CHILDREN + 50 }, (_, i) => configEvent(community(mallory, `3k${String(i).padStart(11, 'b')}`), { parentCommunity: P.uri }))
    h.apply(...children)
    expect(hierarchyOf(storeTree(h.store), P.uri).children).toHaveLength(MAX_CHILDREN)
  })

  it('describeFeedGenerator lists a bounded number of feeds, however many configs one account writes', () => {
    const configs = Array.from({ length: MAX_DESCRIBED_FEEDS + 50 }, (_, i) => configEvent(community(mallory, `3k${String(i).padStart(11, 'a')}`)))
    for (let i = 0; i < configs.length; i += 500) h.apply(...configs.slice(i, i + 500))
    const described = h.feeds.describeFeedGenerator()
    expect(described.feeds).toHaveLength(MAX_DESCRIBED_FEEDS)
    // The answer is kept until the index changes: a second call reads nothing.
    expect(cost(() => h.feeds.describeFeedGenerator()).rows).toBe(0)
  })
})
