import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Skeleton } from '../core/feed-service.js'
import { PIN_REASON } from '../core/pinned-posts.js'
import { skeletonJson } from './skeleton-json.js'

const postUri = fc.tuple(fc.stringMatching(/^did:plc:[a-z2-7]{24}$/), fc.stringMatching(/^[a-z2-7]{13}$/)).map(([did, rkey]) => `at://${did}/app.bsky.feed.post/${rkey}`)
const anyString = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('"', '\\', '\n', '\u2028', '\ud800', '\ud83d\ude00', '</script>'))

describe('skeletonJson', () => {
  it('property: is JSON.stringify, byte for byte, for any skeleton', () => {
    const skeleton = fc.record({ feed: fc.array(fc.record({ post: fc.oneof(postUri, anyString) }), { maxLength: 60 }), cursor: fc.oneof(fc.base64String(), anyString) }, { requiredKeys: ['feed'] })
    fc.assert(fc.property(skeleton, (s) => {
      expect(skeletonJson(s)).toBe(JSON.stringify(s))
    }), { numRuns: 2000 })
  })

  it('property: is JSON.stringify, byte for byte, with signed-in feed contexts and pins in any key order', () => {
    const item = fc.record({ post: fc.oneof(postUri, anyString), feedContext: fc.oneof(fc.constantFrom('3633708e'), anyString), reason: fc.oneof(fc.constant(PIN_REASON), fc.constant({ $type: 'app.bsky.feed.defs#skeletonReasonRepost' })) }, { requiredKeys: ['post'] })
    const reordered = item.chain((i) => fc.shuffledSubarray(Object.keys(i), { minLength: Object.keys(i).length }).map((order) => Object.fromEntries(order.map((k) => [k, i[k as keyof typeof i]]))))
    fc.assert(fc.property(fc.record({ feed: fc.array(reordered, { maxLength: 60 }), cursor: fc.base64String() }), (s) => {
      expect(skeletonJson(s as unknown as Skeleton)).toBe(JSON.stringify(s))
    }), { numRuns: 2000 })
  })

  it('keeps fields it does not know about', () => {
    const withExtras = { feed: [{ post: 'at://did:plc:a/app.bsky.feed.post/1', feedContext: 'x' }], cursor: 'c', reqId: 'r' } as unknown as Skeleton
    expect(skeletonJson(withExtras)).toBe(JSON.stringify(withExtras))
  })
})
