import { describe, expect, it } from 'vitest'
import { authorKeyRange, authorOfKey, postKey, postUri } from './post-key.js'

const uri = (did: string, rkey: string) => `at://${did}/app.bsky.feed.post/${rkey}`

describe('post keys', () => {
  it.each([
    [uri('did:plc:abc', '3l2a'), 'did:plc:abc/3l2a'],
    [uri('did:web:example.com', 'x'), 'did:web:example.com/x'],
    ['at://did:plc:abc/app.bsky.feed.like/3l2a', undefined],
    ['at://did:plc:abc/app.bsky.feed.post/', undefined],
    ['at://did:plc:abc/app.bsky.feed.post/a/b', undefined],
    ['at:///app.bsky.feed.post/x', undefined],
    ['https://did:plc:abc/app.bsky.feed.post/x', undefined],
    ['at://did:plc:abc', undefined],
    ['did:plc:abc', undefined],
  ])('%s → %s', (u, key) => {
    expect(postKey(u)).toBe(key)
    if (key !== undefined) {
      expect(postUri(key)).toBe(u)
      expect(authorOfKey(key)).toBe(u.slice(5, u.indexOf('/', 5)))
    }
  })

  it('orders keys exactly as their uris, DID prefixes included', () => {
    const dids = ['did:plc:a', 'did:plc:a0', 'did:plc:ab', 'did:plc:a-', 'did:web:a.b', 'did:plc:b', 'did:plc:A']
    const rkeys = ['3l', '3l2', '3k9', 'a', 'A', '-', '~', '0']
    const uris = dids.flatMap((d) => rkeys.map((r) => uri(d, r)))
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
    for (const a of uris) for (const b of uris) expect(cmp(postKey(a)!, postKey(b)!)).toBe(cmp(a, b))
  })

  it('ranges over one author only', () => {
    const [lo, hi] = authorKeyRange('did:plc:a')
    const inRange = (k: string) => k >= lo && k < hi
    expect(inRange(postKey(uri('did:plc:a', '3l'))!)).toBe(true)
    expect(inRange(postKey(uri('did:plc:a', '~~'))!)).toBe(true)
    for (const other of ['did:plc:a0', 'did:plc:ab', 'did:plc:a-', 'did:plc:', 'did:plc:b']) expect(inRange(postKey(uri(other, '3l'))!)).toBe(false)
  })
})
