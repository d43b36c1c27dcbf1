import { afterEach, describe, expect, it } from 'vitest'
import { resolveParent } from './community-parent.js'
import { NSID } from './nsid.js'
import type { RepoEvent } from './events.js'
import { community, configEvent, del, membershipEvent, postEvent } from '../../test/support/events.js'
import { indexHarness } from '../../test/support/index-harness.js'

const owner = 'did:plc:hier'
const A = community(owner, '3khieraaaaaa2')
const B = community(owner, '3khierbbbbbb2')
const C = community(owner, '3khiercccccc2')
const ghost = community(owner, '3khierghost22')
let h = indexHarness()
afterEach(() => h.close())

describe('parent communities (SPEC §7)', () => {
  it.each<[string, () => RepoEvent[], string, string | undefined, string | undefined]>([
    ['no parent', () => [configEvent(A)], 'A', undefined, undefined],
    ['a known parent', () => [configEvent(B), configEvent(A, { parentCommunity: B.uri })], 'A', 'B', undefined],
    ['an unknown parent', () => [configEvent(A, { parentCommunity: ghost.uri })], 'A', undefined, 'unknown'],
    ['a deleted parent', () => [configEvent(B), configEvent(A, { parentCommunity: B.uri }), del(owner, NSID.config, B.rkey)], 'A', undefined, 'unknown'],
    ['a two-cycle A→B→A', () => [configEvent(A, { parentCommunity: B.uri }), configEvent(B, { parentCommunity: A.uri })], 'A', undefined, 'cycle'],
    ['a cycle above the parent A→B→C→B', () => [configEvent(A, { parentCommunity: B.uri }), configEvent(B, { parentCommunity: C.uri }), configEvent(C, { parentCommunity: B.uri })], 'A', undefined, 'cycle'],
    ['a known parent with an unknown grandparent', () => [configEvent(A, { parentCommunity: B.uri }), configEvent(B, { parentCommunity: ghost.uri })], 'A', 'B', undefined],
  ])('%s', (_name, events, of, parent, reason) => {
    h.close()
    h = indexHarness()
    h.apply(...events())
    const byName = { A, B, C } as Record<string, typeof A>
    const r = resolveParent(h.store, h.store.getConfig(byName[of]!.uri)!)
    expect(r.parent?.uri).toBe(parent ? byName[parent]!.uri : undefined)
    expect('reason' in r ? r.reason : undefined).toBe(reason)
  })

  it('a cycle never crashes a feed: it just has no parent source', () => {
    h.close()
    h = indexHarness()
    const m = 'did:plc:hiermember'
    h.apply(
      configEvent(A, { parentCommunity: B.uri, feedMix: { own: 50, parent: 50, global: 0 } }),
      configEvent(B, { parentCommunity: A.uri }),
      membershipEvent(m, 'm1', A),
      membershipEvent(m, 'm2', B),
      postEvent(m, 'a1', A.hashtag),
      postEvent(m, 'b1', B.hashtag),
    )
    expect(h.feed(A.id).map((u) => u.split('/').pop())).toEqual(['a1'])
  })
})
