import { describe, expect, it } from 'vitest'
import { validatePost } from './post.js'

const FAMILY = '👨‍👩‍👧‍👧' // one grapheme, 11 UTF-16 units, 25 UTF-8 bytes

describe('validatePost: text and tag bounds (app.bsky.feed.post)', () => {
  it.each([
    ['300 ASCII graphemes', { text: 'a'.repeat(300) }, true],
    ['301 ASCII graphemes', { text: 'a'.repeat(301) }, false],
    ['1000 UTF-16 units, 1000 bytes, 300 graphemes of 2 combining marks', { text: 'é'.repeat(300) }, true],
    ['120 family emoji: 3000 bytes, 120 graphemes', { text: FAMILY.repeat(120) }, true],
    ['121 family emoji: 3025 bytes', { text: FAMILY.repeat(121) }, false],
    ['1000 × 3-byte characters: 3000 bytes but 1000 graphemes', { text: '語'.repeat(1000) }, false],
    ['1001 × 3-byte characters is over the bytes', { text: '語'.repeat(1001) }, false],
    ['64-grapheme tag', { text: '', tags: ['t'.repeat(64)] }, true],
    ['65-grapheme tag', { text: '', tags: ['t'.repeat(65)] }, false],
    ['tag of 26 family emoji: 650 bytes', { text: '', tags: [FAMILY.repeat(26)] }, false],
    ['nine tags', { text: '', tags: Array.from({ length: 9 }, (_, i) => `t${i}`) }, false],
  ])('%s', (_name, record, valid) => {
    expect(validatePost({ createdAt: '2026-01-01T00:00:00Z', ...record }).ok).toBe(valid)
  })
})

describe('validatePost: adult and graphic self-labels (SPEC §11)', () => {
  const labels = (...vals: unknown[]) => ({ $type: 'com.atproto.label.defs#selfLabels', values: vals.map((val) => ({ val })) })
  it.each<[string, unknown, boolean]>([
    ['no labels', undefined, false],
    ['porn', labels('porn'), true],
    ['sexual', labels('sexual'), true],
    ['nudity', labels('nudity'), true],
    ['graphic-media', labels('graphic-media'), true],
    ['gore (the older name)', labels('gore'), true],
    ['!no-unauthenticated only', labels('!no-unauthenticated'), false],
    ['an adult value after others', labels('x', 'y', 'nudity'), true],
    ['an adult value past the tenth', labels(...Array(10).fill('x'), 'porn'), false],
    ['not self-labels', { $type: 'com.example.labels', values: [{ val: 'porn' }] }, false],
    ['values not an array', { $type: 'com.atproto.label.defs#selfLabels', values: 'porn' }, false],
    ['a value that is not an object', { $type: 'com.atproto.label.defs#selfLabels', values: ['porn'] }, false],
    ['labels not an object', 'porn', false],
  ])('%s → adult %s', (_n, value, adult) => {
    const r = validatePost({ text: 'hi', ...(value !== undefined ? { labels: value } : {}) })
    expect(r.ok && r.value.adult).toBe(adult)
  })
})
