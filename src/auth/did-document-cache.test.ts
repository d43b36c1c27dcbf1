import { PlcDidDocumentResolver } from '@atcute/identity-resolver'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createKey, didDocument, FakePlc, signJwt } from '../../test/support/fake-plc.js'
import { DidDocumentCache, type DidDocumentCacheOptions } from './did-document-cache.js'
import { ServiceAuthVerifier } from './service-auth-verifier.js'

const SERVICE = 'did:web:feeds.example.com'
const LXM = 'app.bsky.feed.getFeedSkeleton'
const T0 = 1_800_000_000
const did = (i: number) => `did:plc:${String(i).padStart(24, 'x')}`

let plc: FakePlc
let clockMs = T0 * 1000
beforeAll(async () => {
  plc = await FakePlc.start()
})
afterAll(() => plc.close())
beforeEach(() => {
  clockMs = T0 * 1000
  plc.requests.clear()
  plc.docs.clear()
})

const lookups = () => [...plc.requests.values()].reduce((a, b) => a + b, 0)
const verifier = () => new ServiceAuthVerifier({ serviceDid: SERVICE, plcUrl: plc.url, now: () => clockMs })
// Any signature will do: none of these issuers can be resolved, so no signature is ever checked.
const unsignedToken = async (iss: string) => signJwt(await createKey('k256'), { typ: 'JWT', alg: 'ES256K' }, { iss, aud: SERVICE, exp: T0 + 3600, lxm: LXM })

describe('DID resolution cannot be amplified', () => {
  it('20 concurrent and 20 sequential tokens from one unknown did:plc cost one PLC lookup', async () => {
    const v = verifier()
    const t = await unsignedToken(did(1))
    const concurrent = await Promise.all(Array.from({ length: 20 }, () => v.verify(t, LXM)))
    const sequential = []
    for (let i = 0; i < 20; i++) sequential.push(await v.verify(t, LXM))
    for (const r of [...concurrent, ...sequential]) expect(r).toMatchObject({ ok: false, error: { error: 'AuthenticationRequired', message: `unknown issuer ${did(1)}` } })
    expect(plc.count(did(1))).toBe(1)
    clockMs += 60_000 // the failure is remembered for a minute, then looked up again
    expect((await v.verify(t, LXM)).ok).toBe(false)
    expect(plc.count(did(1))).toBe(2)
  })

  it('remembers a failure that may pass (the PLC unreachable) for seconds, not a minute', async () => {
    let calls = 0
    const down = new PlcDidDocumentResolver({ apiUrl: 'http://127.0.0.1:1' })
    const c = new DidDocumentCache({
      resolver: { resolve: (d, o) => (calls++, down.resolve(d as `did:plc:${string}`, o)) },
      ttlMs: 3_600_000, maxEntries: 100, maxBytes: 64 * 1024, maxDocumentBytes: 20 * 1024, failureTtlMs: 60_000, maxFailures: 100, timeoutMs: 5_000,
      now: () => clockMs,
    })
    expect((await c.get(did(7))).ok).toBe(false)
    expect((await c.get(did(7))).ok).toBe(false)
    expect(calls).toBe(1)
    clockMs += 5_000
    expect((await c.get(did(7))).ok).toBe(false)
    expect(calls).toBe(2)
  })

  it('caps lookups of distinct unknown DIDs at the burst, then at the rate, without a request past it', async () => {
    const v = verifier()
    const tokens = await Promise.all(Array.from({ length: 100 }, (_, i) => unsignedToken(did(i))))
    const first = await Promise.all(tokens.map((t) => v.verify(t, LXM)))
    expect(lookups()).toBe(40)
    expect(first.filter((r) => !r.ok && r.error.message === 'too many identity lookups, retry later')).toHaveLength(60)
    expect(first.every((r) => !r.ok && r.error.error === 'AuthenticationRequired')).toBe(true)
    clockMs += 1000
    await Promise.all(tokens.slice(40).map((t) => v.verify(t, LXM)))
    expect(lookups()).toBe(40 + 20)
  })

  it('still verifies a cached issuer while the lookup budget is spent', async () => {
    const alice = await createKey('k256')
    plc.docs.set(did(999), await didDocument(did(999), { atproto: alice }))
    const v = verifier()
    const good = await signJwt(alice, { typ: 'JWT', alg: 'ES256K' }, { iss: did(999), aud: SERVICE, exp: T0 + 3600, lxm: LXM })
    expect((await v.verify(good, LXM)).ok).toBe(true)
    await Promise.all(Array.from({ length: 60 }, async (_, i) => v.verify(await unsignedToken(did(i)), LXM)))
    expect(await v.verify(good, LXM)).toEqual({ ok: true, value: { iss: did(999), did: did(999) } })
  })
})

describe('DidDocumentCache', () => {
  const cache = (opts: Partial<DidDocumentCacheOptions> = {}) =>
    new DidDocumentCache({
      resolver: new PlcDidDocumentResolver({ apiUrl: plc.url }),
      ttlMs: 3_600_000,
      maxEntries: 10_000,
      maxBytes: 64 * 1024,
      maxDocumentBytes: 20 * 1024,
      failureTtlMs: 60_000,
      maxFailures: 10_000,
      timeoutMs: 5_000,
      now: () => clockMs,
      ...opts,
    })
  // A document padded to about `bytes` of JSON, as a hostile did:web host would serve.
  const padded = async (id: string, bytes: number) => ({ ...((await didDocument(id, {})) as object), alsoKnownAs: [`at://${'a'.repeat(bytes)}`] })

  it('keeps its documents within the byte bound, evicting the least recently used', async () => {
    const c = cache({ maxBytes: 64 * 1024 })
    for (let i = 0; i < 50; i++) plc.docs.set(did(i), await padded(did(i), 5_000 + i * 100))
    let peak = 0
    for (let i = 0; i < 50; i++) {
      expect((await c.get(did(i))).ok).toBe(true)
      peak = Math.max(peak, c.bytes)
      expect(c.bytes).toBeLessThanOrEqual(64 * 1024)
    }
    expect(peak).toBeGreaterThan(48 * 1024)
    expect(c.size).toBeLessThan(50)
    expect(await c.get(did(49))).toMatchObject({ ok: true, value: { fromCache: true } })
    expect(await c.get(did(0))).toMatchObject({ ok: true, value: { fromCache: false } })
  })

  it('refuses a document over maxDocumentBytes, and remembers the refusal', async () => {
    const c = cache({ maxDocumentBytes: 4 * 1024 })
    plc.docs.set(did(1), await padded(did(1), 6 * 1024))
    expect(await c.get(did(1))).toMatchObject({ ok: false, error: { error: 'AuthenticationRequired' } })
    expect(c.bytes).toBe(0)
    expect((await c.get(did(1))).ok).toBe(false)
    expect(plc.count(did(1))).toBe(1)
  })

  it('forgets a document whose DID has gone when it is fetched again', async () => {
    const c = cache()
    plc.docs.set(did(1), await didDocument(did(1), {}))
    expect((await c.get(did(1))).ok).toBe(true)
    plc.docs.delete(did(1))
    expect(await c.refresh(did(1))).toMatchObject({ ok: false, error: { message: `unknown issuer ${did(1)}` } })
    expect(c.bytes).toBe(0)
    expect((await c.get(did(1))).ok).toBe(false)
    expect(plc.count(did(1))).toBe(2)
  })

  it('bounds the failures it remembers', async () => {
    const c = cache({ maxFailures: 3 })
    for (let i = 0; i < 4; i++) await c.get(did(i))
    for (let i = 0; i < 4; i++) await c.get(did(i))
    // did(0) was pushed out by did(3) and looked up again, which in turn pushed out did(1), and so on.
    expect([0, 1, 2, 3].map((i) => plc.count(did(i)))).toEqual([2, 2, 2, 2])
  })
})
