import { expect, it } from 'vitest'
import { indexHarness } from '../../test/support/index-harness.js'
import { postEvent } from '../../test/support/events.js'
import { C, expectedMix, member, mixEvents, P, PER_SOURCE, sourceOf, T } from '../../test/support/mix-scenario.js'

it('mix scenario: pages of 10 from a 60/30/10 child give 6 own, 3 parent, 1 global until a source runs out', () => {
  const h = indexHarness()
  try {
    const events = mixEvents()
    h.apply(...events)
    const all = h.feed(C.id, 10)
    expect(all).toEqual(expectedMix(events, 10))
    expect(new Set(all).size).toBe(all.length)
    // Own: C's posts and the one also tagged in T; parent: P's; global: T's; the shared post once.
    expect(all).toHaveLength(PER_SOURCE * 3 + 1)
    const pages = Array.from({ length: Math.ceil(all.length / 10) }, (_, i) => all.slice(i * 10, i * 10 + 10))
    // The newest post is tagged in C and T: own takes it first; global skips it later.
    for (const page of pages.slice(0, 6)) {
      const count = (s: string) => page.filter((u) => sourceOf(u) === s || (s === 'own' && sourceOf(u) === 'both')).length
      expect([count('own'), count('parent'), count('global')]).toEqual([6, 3, 1])
    }
  } finally {
    h.close()
  }
})

it('new posts arriving between page requests cause no repeat and no gap in the pages that follow', () => {
  const h = indexHarness()
  try {
    const events = mixEvents()
    h.apply(...events)
    const feed = `at://did:plc:publisher/app.bsky.feed.generator/${C.id}`
    const first = h.feeds.getFeedSkeleton({ feed, limit: 10 })
    if (!first.ok) throw new Error(first.error.message)
    // A burst of newer posts in all three sources lands before page two is asked for.
    h.apply(...['c', 'p', 't'].flatMap((tag, i) => Array.from({ length: 5 }, (_, j) => postEvent(member, `new-${tag}${j}`, `${[C, P, T][i]!.hashtag} late`))))
    const rest: string[] = []
    let cursor = first.value.cursor
    for (let i = 0; cursor && i < 100; i++) {
      const page = h.feeds.getFeedSkeleton({ feed, limit: 10, cursor })
      if (!page.ok) throw new Error(page.error.message)
      rest.push(...page.value.feed.map((f) => f.post))
      cursor = page.value.cursor
    }
    const served = [...first.value.feed.map((f) => f.post), ...rest]
    expect(new Set(served).size).toBe(served.length)
    expect(served).toEqual(expectedMix(events, 10))
  } finally {
    h.close()
  }
})
