import { describe, expect, it } from 'vitest'
import { communityIdsOfPost } from '../../../src/core/hashtags.js'
import { buildPost, graphemes } from './post-record.js'

const AT = '2026-11-29T00:00:00.000Z'
const utf8 = new TextEncoder()

describe('buildPost', () => {
  it.each([
    ['plain text', 'Saw a heron'],
    ['text with multi-byte characters before the tag', 'Héron 🪶 at the étang'],
    ['trailing spaces, trimmed before the tag', 'heron   '],
  ])('%s: tags name the community, the visible hashtag is where its facet says', (_name, text) => {
    const plain = buildPost(text, '0123abcd', false, AT)
    expect(plain).toEqual({ $type: 'app.bsky.feed.post', text, tags: ['atrarium_0123abcd'], createdAt: AT })
    // The indexer finds the community from the tags alone.
    expect(communityIdsOfPost(plain.text as string, plain.tags as string[])).toEqual(['0123abcd'])

    const shown = buildPost(text, '0123abcd', true, AT) as { text: string; facets: { index: { byteStart: number; byteEnd: number } }[] }
    const { byteStart, byteEnd } = shown.facets[0]!.index
    expect(new TextDecoder().decode(utf8.encode(shown.text).slice(byteStart, byteEnd))).toBe('#atrarium_0123abcd')
    expect(communityIdsOfPost(shown.text, ['atrarium_0123abcd'])).toEqual(['0123abcd'])
  })

  it.each([['abc', 3], ['e\u0301', 1], ['🪶', 1], ['👩‍👩‍👧', 1], ['', 0]])('graphemes(%j) = %i', (s, n) => expect(graphemes(s)).toBe(n))
})
