import { describe, expect, it } from 'vitest'
import { decodeFeedCursor, encodeFeedCursor } from './feed-cursor.js'
import { parseFeedUri } from './feed-service.js'

describe('feed cursor', () => {
  it.each([
    { sortUs: 0, uri: 'at://did:plc:a/app.bsky.feed.post/1' },
    { sortUs: 1763596800000000, uri: 'at://did:web:example.com/app.bsky.feed.post/3l3qo2vutsw2b' },
  ])('round-trips %j and is opaque', (pos) => {
    const c = encodeFeedCursor(pos)
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(decodeFeedCursor(c)).toEqual({ ok: true, value: pos })
  })

  it.each(['', 'abc', '!!!!', '1|2|at://x', btoa('1|x|at://y'), btoa('2|5|at://y'), 'A'.repeat(5000), btoa('1|99999999999999999|at://y')])('rejects %j', (c) => {
    expect(decodeFeedCursor(c).ok).toBe(false)
  })
})

describe('parseFeedUri', () => {
  it.each([
    ['at://did:plc:pub/app.bsky.feed.generator/0a1b2c3d', true],
    ['at://did:web:feeds.example.com/app.bsky.feed.generator/0a1b2c3d', true],
    ['at://did:plc:pub/app.bsky.feed.generator/not-an-id', true],
    ['https://did:plc:pub/app.bsky.feed.generator/0a1b2c3d', false],
    ['at://alice.bsky.social/app.bsky.feed.generator/0a1b2c3d', false],
    ['at://did:plc:pub/app.bsky.feed.post/0a1b2c3d', false],
    ['at://did:plc:pub/app.bsky.feed.generator/', false],
    ['at://did:plc:pub/app.bsky.feed.generator/a/b', false],
  ])('%s → %s', (uri, valid) => {
    expect(parseFeedUri(uri).ok).toBe(valid)
  })
})
