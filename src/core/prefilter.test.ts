import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createStream } from '../../test/support/stream-generator.js'
import { communityIdsOfPost } from './hashtags.js'
import { passesPrefilter, peekDid, peekTimeUs } from './prefilter.js'

const samples = readFileSync(new URL('../../test/fixtures/samples.jsonl', import.meta.url), 'utf8').split('\n').filter(Boolean)
const known = new Set(['did:plc:member'])
const has = (did: string) => known.has(did)
const frame = (did: string, commit: object) => JSON.stringify({ did, time_us: 1725911162329308, kind: 'commit', commit: { rev: '3mptbypluud2a', ...commit } })

type Frame = { did: string; time_us: number; kind: string; commit?: Commit }
type Commit = { rev?: string; operation: string; collection: string; rkey: string; record?: Record<string, unknown>; cid?: string }
const parse = (raw: string) => JSON.parse(raw) as Frame
const line = (n: number) => samples[n - 1]!

// Real frames (samples.jsonl, 1-based lines): a post create (163), a post delete (145), a like (1).
const POST = parse(line(163))
const POST_DELETE = parse(line(145))
const LIKE = parse(line(1))

/** A real frame with its commit changed; key order stays Jetstream's, as JSON.stringify keeps it. */
function edit(base: Frame, change: (c: Commit) => Commit, did = base.did): string {
  return JSON.stringify({ ...base, did, commit: change(structuredClone(base.commit!)) })
}
const withText = (suffix: string) => (c: Commit) => ({ ...c, record: { ...c.record, text: `${c.record!.text as string}${suffix}` } })
const asRecord = (collection: string, operation: string, record?: object) => (c: Commit) => {
  const { record: _old, cid: _cid, ...rest } = c
  return operation === 'delete' ? { ...rest, operation, collection } : { ...rest, operation, collection, record: { $type: collection, ...record }, cid: c.cid ?? 'bafyreiexample' }
}

/** The same frame in layouts Jetstream does not write: stage 1 must still never drop it. */
function layouts(raw: string): [string, string][] {
  const f = parse(raw)
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sortKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sortKeys(x)])) : v
  const { record, cid, ...head } = f.commit!
  return [
    ['as written', raw],
    ['keys sorted', JSON.stringify(sortKeys(f))],
    ['record before collection', JSON.stringify({ did: f.did, time_us: f.time_us, kind: f.kind, commit: { ...(record ? { record } : {}), ...head, ...(cid ? { cid } : {}) } })],
    ['commit before did', JSON.stringify({ commit: f.commit, did: f.did, time_us: f.time_us, kind: f.kind })],
    ['pretty-printed', JSON.stringify(f, null, 1)],
    ['spaces after colons', raw.replace(/":"/g, '": "')],
  ]
}

const mustPass: [string, string][] = [
  ['a real post given a community hashtag', edit(POST, withText(' #atrarium_0a1b2c3d'))],
  ['a real post given a fullwidth hashtag', edit(POST, withText(' ＃atrarium_0a1b2c3d'))],
  ['a real post naming a community only in its tags array', edit(POST, (c) => ({ ...c, record: { ...c.record, tags: ['atrarium_0a1b2c3d'] } }))],
  ['a post whose text holds "collection":"app.bsky.feed.like"', edit(POST, withText(' "collection":"app.bsky.feed.like" #atrarium_0a1b2c3d'))],
  ['a post whose record has its own collection field', edit(POST, (c) => ({ ...c, record: { collection: 'app.bsky.feed.like', operation: 'create', ...c.record, tags: ['atrarium_0a1b2c3d'] } }))],
  ['a real post delete by an indexed author', edit(POST_DELETE, (c) => c, 'did:plc:member')],
  ['a post update by an indexed author', edit(POST, (c) => ({ ...c, operation: 'update' }), 'did:plc:member')],
  ['a post update by an indexed author whose record says create', edit(POST, (c) => ({ ...c, operation: 'update', record: { operation: 'create', did: 'did:plc:other', ...c.record } }), 'did:plc:member')],
  ['a post update that adds a community hashtag', edit(POST, (c) => withText(' #atrarium_0a1b2c3d')({ ...c, operation: 'update' }))],
  ['a hashtag post by a did:web author', edit(POST, withText(' #atrarium_0a1b2c3d'), 'did:web:example.com')],
  ['a post delete by an indexed did:web author', edit(POST_DELETE, (c) => c, 'did:web:member.example')],
  ...['net.atrarium.community.config', 'net.atrarium.community.membership', 'net.atrarium.moderation.action'].flatMap((nsid) =>
    ['create', 'update', 'delete'].map((op): [string, string] => [`a ${nsid} ${op}`, edit(LIKE, asRecord(nsid, op, { createdAt: '2026-07-04T14:38:08.999Z' }))]),
  ),
]
known.add('did:web:member.example')

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
    ['a like whose record mentions a hashtag (stage 2 drops its collection)', frame('did:plc:x', { operation: 'create', collection: 'app.bsky.feed.like', rkey: 'r', record: { note: '#atrarium_0a1b2c3d' } }), false],
    ['a postgate (not a post)', frame('did:plc:member', { operation: 'delete', collection: 'app.bsky.feed.postgate', rkey: 'r' }), false],
    ['a real post, unchanged', line(163), false],
    ['a frame without rev, in no layout stage 1 knows (passes on the scan)', JSON.stringify({ did: 'did:plc:x', time_us: 1, kind: 'commit', commit: { operation: 'create', collection: 'app.bsky.feed.like', rkey: 'r', record: { note: '#atrarium_0a1b2c3d' } } }), true],
  ])('%s → %s', (_name, raw, expected) => {
    expect(passesPrefilter(raw, has)).toBe(expected)
  })

  describe.each(mustPass)('never drops %s', (_name, raw) => {
    it.each(layouts(raw))('laid out %s', (_layout, variant) => {
      expect(passesPrefilter(variant, has)).toBe(true)
    })
  })

  it('drops every real Jetstream sample but account events (none names a community) and reads their did and time_us', () => {
    for (const raw of samples) {
      const parsed = JSON.parse(raw) as { did: string; time_us: number; kind: string }
      // An account's status may hide or remove its records (SPEC §4): those always pass.
      expect(passesPrefilter(raw, () => false)).toBe(parsed.kind === 'account')
      expect(peekDid(raw)).toBe(parsed.did)
      expect(peekTimeUs(raw)).toBe(parsed.time_us)
    }
  })

  it('reads time_us from every layout', () => {
    const frames = [...samples, ...mustPass.flatMap(([, raw]) => layouts(raw).map(([, v]) => v))]
    for (const raw of frames) expect(peekTimeUs(raw)).toBe(parse(raw).time_us)
  })

  it('lets through every generated frame that stage 2 needs', () => {
    const gen = createStream({ seed: 3 })
    const authors = new Set<string>()
    const hasAuthor = (did: string) => authors.has(did)
    let needed = 0
    for (let i = 0; i < 50_000; i++) {
      const { raw } = gen.next()
      const f = parse(raw)
      const c = f.commit!
      const names = c.record !== undefined && communityIdsOfPost(String(c.record.text ?? ''), (c.record.tags as string[]) ?? []).length > 0
      const post = c.collection === 'app.bsky.feed.post'
      const need = c.collection.startsWith('net.atrarium.') || (post && (names || (c.operation !== 'create' && authors.has(f.did))))
      if (post && names) authors.add(f.did)
      if (need) {
        needed++
        expect(passesPrefilter(raw, hasAuthor), raw).toBe(true)
      }
    }
    expect(needed).toBeGreaterThan(100)
  })

  it.each([
    ['{"did":"did:plc:a","time_us":123,"kind":"x"}', 123],
    ['{"time_us": 42}', 42],
    ['{"time_us":"1"}', undefined],
    ['{"time_us":-5}', undefined],
    ['{"time_us":123456789012345678901}', undefined],
    ['{"did":"did:plc:aaaaaaaaaaaaaaaaaaaaaaaa","time_us":1725911162329308,"kind":"commit"}', 1725911162329308],
    ['{"did":"did:plc:aaaaaaaaaaaaaaaaaaaaaaaa","time_us": 17,"kind":"commit"}', 17],
    ['{"did":"did:web:example.com","time_us":1725911162329308,"kind":"commit"}', 1725911162329308],
    ['no json at all', undefined],
  ])('peekTimeUs(%s) = %s', (raw, expected) => {
    expect(peekTimeUs(raw)).toBe(expected)
  })
})
