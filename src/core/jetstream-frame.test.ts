import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { WANTED_COLLECTIONS } from './nsid.js'
import { parseJetstreamFrame } from './jetstream-frame.js'

const wanted = new Set<string>(WANTED_COLLECTIONS)
const samples = readFileSync(new URL('../../test/fixtures/samples.jsonl', import.meta.url), 'utf8').split('\n').filter(Boolean)

describe('stage-2 Jetstream parse', () => {
  it('parses every real sample: posts and account events become events, everything else is skipped', () => {
    let posts = 0
    let accounts = 0
    for (const raw of samples) {
      const r = parseJetstreamFrame(raw, wanted)
      expect(r.ok, raw.slice(0, 120)).toBe(true)
      const frame = JSON.parse(raw)
      const isPost = frame.kind === 'commit' && frame.commit.collection === 'app.bsky.feed.post'
      if (r.ok && r.value?.op === 'account') {
        accounts++
        expect(r.value).toEqual({
          op: 'account', did: frame.did, active: frame.account.active, ...(frame.account.active ? {} : { status: frame.account.status }), timeUs: frame.time_us, cursor: frame.time_us,
        })
      } else if (r.ok && r.value) {
        posts++
        expect(r.value).toMatchObject({ did: frame.did, timeUs: frame.time_us, collection: 'app.bsky.feed.post', rkey: frame.commit.rkey, op: frame.commit.operation })
      } else expect(isPost).toBe(false)
    }
    expect(posts).toBe(samples.filter((l) => l.includes('"collection":"app.bsky.feed.post"')).length)
    expect(accounts).toBe(samples.filter((l) => l.includes('"kind":"account"')).length)
  })

  const good = { did: 'did:plc:abc', time_us: 1725911162329308, kind: 'commit', commit: { rev: 'x', operation: 'create', collection: 'app.bsky.feed.post', rkey: '3l3qo2vutsw2b', record: { text: 'x' }, cid: 'bafy' } }
  const variant = (patch: (f: any) => void) => {
    const f = structuredClone(good) as any
    patch(f)
    return JSON.stringify(f)
  }

  it.each([
    ['not JSON', '{"did":', /not JSON/],
    ['an array', '[1,2]', /not an object/],
    ['no did', variant((f) => delete f.did), /did/],
    ['a bad did', variant((f) => (f.did = 'plc:abc')), /did/],
    ['time_us as a string', variant((f) => (f.time_us = '1')), /time_us/],
    ['no kind', variant((f) => delete f.kind), /kind/],
    ['commit missing', variant((f) => delete f.commit), /commit/],
    ['unknown operation', variant((f) => (f.commit.operation = 'upsert')), /operation/],
    ['bad collection', variant((f) => (f.commit.collection = 'nope')), /collection/],
    ['bad rkey', variant((f) => (f.commit.rkey = 'a/b')), /rkey/],
    ['create without record', variant((f) => delete f.commit.record), /record/],
    ['record is a string', variant((f) => (f.commit.record = 'x')), /record/],
  ])('rejects %s', (_name, raw, reason) => {
    const r = parseJetstreamFrame(raw, wanted)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toMatch(reason)
  })

  it('turns a delete into a delete event with no record', () => {
    const r = parseJetstreamFrame(variant((f) => ((f.commit = { rev: 'x', operation: 'delete', collection: 'app.bsky.feed.post', rkey: 'abc' }))), wanted)
    expect(r).toEqual({ ok: true, value: { op: 'delete', did: 'did:plc:abc', collection: 'app.bsky.feed.post', rkey: 'abc', timeUs: 1725911162329308, cursor: 1725911162329308 } })
  })
})
