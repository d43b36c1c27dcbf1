import { describe, expect, it } from 'vitest'
import { VerifiedTokens, type VerifiedToken } from './verified-tokens.js'

const until = (untilMs: number): VerifiedToken => ({ iss: 'did:plc:a', did: 'did:plc:a', lxm: 'x.y.z', untilMs })
const tok = (n: number, len = 100) => `t${n}`.padEnd(len, '.')

describe('VerifiedTokens', () => {
  it.each<[string, (v: VerifiedTokens) => void, string[]]>([
    ['keeps a token until its last moment', (v) => v.put(tok(1), until(1000), 0), [tok(1)]],
    ['never keeps one already past', (v) => v.put(tok(1), until(1000), 1001), []],
    ['never keeps one longer than maxTokenBytes', (v) => v.put(tok(1, 5000), until(1000), 0), []],
    ['drops the oldest beyond maxEntries', (v) => [1, 2, 3, 4].forEach((n) => v.put(tok(n), until(1000), 0)), [tok(2), tok(3), tok(4)]],
    ['drops the oldest beyond maxBytes', (v) => [1, 2].forEach((n) => v.put(tok(n, 1500), until(1000), 0)), [tok(2, 1500)]],
  ])('%s', (_name, fill, kept) => {
    const v = new VerifiedTokens({ maxEntries: 3, maxBytes: 2000, maxTokenBytes: 4096 })
    fill(v)
    const all = [1, 2, 3, 4].flatMap((n) => [tok(n), tok(n, 1500), tok(n, 5000)])
    expect(all.filter((t) => v.get(t, 1000) !== undefined)).toEqual(kept)
    expect(v.size).toBe(kept.length)
  })

  it('forgets a token after its last moment, and its bytes with it', () => {
    const v = new VerifiedTokens()
    v.put(tok(1), until(1000), 0)
    expect(v.bytes).toBeGreaterThan(100)
    expect(v.get(tok(1), 1000)).toEqual(until(1000))
    expect(v.get(tok(1), 1001)).toBeUndefined()
    expect([v.size, v.bytes]).toEqual([0, 0])
  })

  it('stays within its byte bound whatever is put', () => {
    const v = new VerifiedTokens({ maxEntries: 1_000_000, maxBytes: 64 * 1024 })
    for (let n = 0; n < 5000; n++) v.put(tok(n, 100 + (n % 900)), until(1000), 0)
    expect(v.bytes).toBeLessThanOrEqual(64 * 1024)
    expect(v.size).toBeGreaterThan(0)
  })
})
