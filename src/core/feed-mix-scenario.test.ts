import { expect, it } from 'vitest'
import { indexHarness } from '../../test/support/index-harness.js'
import { C, expectedMix, mixEvents, PER_SOURCE, sourceOf } from '../../test/support/mix-scenario.js'

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
