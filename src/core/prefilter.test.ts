import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { passesPrefilter, peekDid, peekTimeUs } from './prefilter.js'

const samples = readFileSync(new URL('../../test/fixtures/samples.jsonl', import.meta.url), 'utf8').split('\n').filter(Boolean)
const known = new Set(['did:plc:member'])
const has = (did: string) => known.has(did)
const frame = (did: string, commit: object) => JSON.stringify({ did, time_us: 1725911162329308, kind: 'commit', commit })

describe('stage-1 prefilter', () => {
  it.each([
    ['a post naming a community hashtag', frame('did:plc:x', { operation: 'create', collection: 'app.bsky.feed.post', rkey: 'r', record: { text: 'hi #atrarium_0a1b2c3d' } }), true],
    ['a tag only in the tags array', frame('did:plc:x', { operation: 'create', collection: 'app.bsky.feed.post', rkey: 'r', record: { text: 'hi', tags: ['atrarium_0a1b2c3d'] } }), true],
    ['a net.atrarium record', frame('did:plc:x', { operation: 'create', collection: 'net.atrarium.community.membership', rkey: 'r', record: {} }), true],
    ['a net.atrarium delete', frame('did:plc:x', { operation: 'delete', collection: 'net.atrarium.moderation.action', rkey: 'r' }), true],
    ['a post delete by an indexed author', frame('did:plc:member', { operation: 'delete', collection: 'app.bsky.feed.post', rkey: 'r' }), true],
    ['a post update by an indexed author', frame('did:plc:member', { operation: 'update', collection: 'app.bsky.feed.post', rkey: 'r', record: { text: 'x' } }), true],
    ['a post delete by anyone else', frame('did:plc:other', { operation: 'delete', collection: 'app.bsky.feed.post', rkey: 'r' }), false],
    ['an ordinary post by an indexed author', frame('did:plc:member', { operation: 'create', collection: 'app.bsky.feed.post', rkey: 'r', record: { text: 'x' } }), false],
    ['a like', frame('did:plc:member', { operation: 'create', collection: 'app.bsky.feed.like', rkey: 'r', record: {} }), false],
  ])('%s → %s', (_name, raw, expected) => {
    expect(passesPrefilter(raw, has)).toBe(expected)
  })

  it('drops every real Jetstream sample (none names a community) and reads their did and time_us', () => {
    for (const raw of samples) {
      const parsed = JSON.parse(raw) as { did: string; time_us: number }
      expect(passesPrefilter(raw, () => false)).toBe(false)
      expect(peekDid(raw)).toBe(parsed.did)
      expect(peekTimeUs(raw)).toBe(parsed.time_us)
    }
  })

  it.each([
    ['{"did":"did:plc:a","time_us":123,"kind":"x"}', 123],
    ['{"time_us": 42}', 42],
    ['{"time_us":"1"}', undefined],
    ['{"time_us":-5}', undefined],
    ['{"time_us":123456789012345678901}', undefined],
    ['no json at all', undefined],
  ])('peekTimeUs(%s) = %s', (raw, expected) => {
    expect(peekTimeUs(raw)).toBe(expected)
  })
})
