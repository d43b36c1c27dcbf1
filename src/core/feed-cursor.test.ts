import { describe, expect, it } from 'vitest'
import { decodeFeedCursor, encodeFeedCursor } from './feed-cursor.js'
import { initialMixState, type MixState } from './feed-mix.js'
import { parseFeedUri } from './feed-service.js'

describe('feed cursor', () => {
  const states: MixState[] = [
    { ...initialMixState(), k: 1, taken: { own: 1, parent: 0, global: 0 }, pos: { own: { sortUs: 0, uri: 'at://did:plc:a/app.bsky.feed.post/1' } } },
    { k: 50, taken: { own: 30, parent: 15, global: 5 }, pos: { own: { sortUs: 1763596800000000, uri: 'at://did:web:example.com/app.bsky.feed.post/3l3qo2vutsw2b' }, parent: { sortUs: 5, uri: 'at://did:plc:p/app.bsky.feed.post/x' }, global: { sortUs: 9, uri: 'at://did:plc:g/app.bsky.feed.post/é' } } },
  ]
  it.each(states)('round-trips %j and is opaque', (state) => {
    const c = encodeFeedCursor(state)
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(decodeFeedCursor(c)).toEqual({ ok: true, value: state })
  })

  const b64 = (s: string) => btoa(s).replace(/=+$/, '')
  it.each([
    '', 'abc', '!!!!', 'A'.repeat(5000),
    b64('{"v":1,"k":1,"t":[1,0,0],"p":{}}'),
    b64('{"v":2,"k":-1,"t":[1,0,0],"p":{}}'),
    b64('{"v":2,"k":1,"t":[1,0],"p":{}}'),
    b64('{"v":2,"k":1,"t":[1,0,0],"p":{"elsewhere":[1,"at://x"]}}'),
    b64('{"v":2,"k":1,"t":[1,0,0],"p":{"own":[1,"https://x"]}}'),
    b64('{"v":2,"k":1,"t":[1,0,0],"p":{"own":[1.5,"at://x"]}}'),
    b64('{"v":2,"k":1,"t":[1,0,0],"p":[]}'),
    b64('null'),
  ])('rejects %j', (c) => {
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
