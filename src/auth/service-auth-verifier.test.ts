import { createServiceJwt } from '@atcute/xrpc-server/auth'
import type { PrivateKeyExportable } from '@atcute/crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { NSID } from '../core/nsid.js'
import { createKey, didDocument, FakePlc, signJwt } from '../../test/support/fake-plc.js'
import { loadLibsecp256k1, nativeSignatureNow } from '../node/native-signature.js'
import { verifyJwtSignature } from './jwt-signature.js'
import { ServiceAuthVerifier, type ServiceAuthVerifierOptions } from './service-auth-verifier.js'

const SERVICE = 'did:web:feeds.example.com'
const LXM = NSID.getFeedSkeleton
const ALICE = 'did:plc:alice000000000000000000'
const PAUL = 'did:plc:paul0000000000000000000' // P-256 key
const LABELER = 'did:plc:labeler00000000000000000'
const WEB = 'did:web:web.example.com'
const T0 = 1_800_000_000 // seconds; the verifier's clock below starts here

let plc: FakePlc
let clockMs = T0 * 1000
const keys: Record<string, PrivateKeyExportable> = {}

beforeAll(async () => {
  plc = await FakePlc.start()
  keys.alice = await createKey('k256')
  keys.paul = await createKey('p256')
  keys.mallory = await createKey('k256')
  keys.label = await createKey('p256')
})
afterAll(() => plc.close())
beforeEach(async () => {
  clockMs = T0 * 1000
  variant = {}
  plc.requests.clear()
  plc.docs.set(ALICE, await didDocument(ALICE, { atproto: keys.alice! }))
  plc.docs.set(PAUL, await didDocument(PAUL, { atproto: keys.paul! }))
  plc.docs.set(LABELER, await didDocument(LABELER, { atproto: keys.alice!, atproto_label: keys.label! }))
  plc.docs.set(WEB, await didDocument(WEB, { atproto: keys.alice! }))
})

// The rules hold whether a host checks signatures only asynchronously (Workers) or also at once
// (Node's libsecp256k1): the first describe runs for both.
const lib = loadLibsecp256k1()
if (!lib) throw new Error('libsecp256k1 (the secp256k1 package\'s prebuilt addon) did not load')
const VARIANTS: [string, Partial<ServiceAuthVerifierOptions>][] = [
  ['asynchronous checks', {}],
  ['a synchronous secp256k1 check', { verifySignatureNow: nativeSignatureNow(lib) }],
]
let variant: Partial<ServiceAuthVerifierOptions> = {}

const verifier = (opts: Partial<ServiceAuthVerifierOptions> = {}) =>
  new ServiceAuthVerifier({ serviceDid: SERVICE, plcUrl: plc.url, fetch: plc.fetch, now: () => clockMs, ...variant, ...opts })

type Issue = { key?: string; iss?: string; aud?: string; lxm?: string; iat?: number; exp?: number }
const token = (o: Issue = {}) =>
  createServiceJwt({
    keypair: keys[o.key ?? 'alice']!,
    issuer: (o.iss ?? ALICE) as `did:${string}:${string}`,
    audience: (o.aud ?? SERVICE) as `did:${string}:${string}`,
    lxm: (o.lxm ?? LXM) as `${string}.${string}.${string}`,
    issuedAt: o.iat ?? T0,
    expiresIn: o.exp ?? 60,
  })

describe.each(VARIANTS)('ServiceAuthVerifier, %s', (_name, options) => {
  beforeEach(() => {
    variant = options
  })

  it.each<[string, () => Promise<string>, { iss: string; did: string }]>([
    ['a secp256k1 (ES256K) token', () => token(), { iss: ALICE, did: ALICE }],
    ['a P-256 (ES256) token', () => token({ key: 'paul', iss: PAUL }), { iss: PAUL, did: PAUL }],
    ['a did:web issuer', () => token({ iss: WEB }), { iss: WEB, did: WEB }],
    ['a labeler service signing with #atproto_label', () => token({ key: 'label', iss: `${LABELER}#atproto_labeler` }), { iss: `${LABELER}#atproto_labeler`, did: LABELER }],
    ['another service fragment signing with #atproto', () => token({ iss: `${LABELER}#bsky_fg` }), { iss: `${LABELER}#bsky_fg`, did: LABELER }],
    ['our service entry as audience (the PDS names it so under an OAuth rpc: scope)', () => token({ aud: `${SERVICE}#bsky_fg` }), { iss: ALICE, did: ALICE }],
    ['exp just inside the clock skew', () => token({ iat: T0 - 63, exp: 60 }), { iss: ALICE, did: ALICE }],
  ])('accepts %s', async (_name, make, expected) => {
    expect(await verifier().verify(await make(), LXM)).toEqual({ ok: true, value: expected })
  })

  const header = { typ: 'JWT', alg: 'ES256K' }
  const claims = { iss: ALICE, aud: SERVICE, exp: T0 + 60, lxm: LXM }
  it.each<[string, () => Promise<string>, string]>([
    ['a forged token (signed by another key)', () => token({ key: 'mallory' }), 'BadJwtSignature'],
    ['a tampered payload', async () => { const [h, , s] = (await token()).split('.'); return `${h}.${Buffer.from(JSON.stringify({ ...claims, iss: PAUL })).toString('base64url')}.${s}` }, 'BadJwtSignature'],
    ['a labeler token signed with #atproto instead of #atproto_label', () => token({ iss: `${LABELER}#atproto_labeler` }), 'BadJwtSignature'],
    ['alg that does not match the key', () => signJwt(keys.alice!, { ...header, alg: 'ES256' }, claims), 'BadJwtSignature'],
    ['an expired token', () => token({ iat: T0 - 120, exp: 60 }), 'JwtExpired'],
    ['a wrong audience', () => token({ aud: 'did:web:other.example.com' }), 'BadJwtAudience'],
    ['the service DID with a fragment we do not declare', () => token({ aud: `${SERVICE}#atproto_labeler` }), 'BadJwtAudience'],
    ['another service with our fragment', () => token({ aud: 'did:web:other.example.com#bsky_fg' }), 'BadJwtAudience'],
    ['a wrong lxm', () => token({ lxm: 'app.bsky.feed.getTimeline' }), 'BadJwtLexiconMethod'],
    ['no lxm', () => signJwt(keys.alice!, header, { ...claims, lxm: undefined }), 'BadJwtLexiconMethod'],
    ['an access token type', () => signJwt(keys.alice!, { ...header, typ: 'at+jwt' }, claims), 'BadJwtType'],
    ['an iss that is not a DID', () => signJwt(keys.alice!, header, { ...claims, iss: 'alice.test' }), 'BadJwtIss'],
    ['garbage', async () => 'not-a-jwt', 'BadJwt'],
    ['a non-JSON payload', async () => 'eyJhbGciOiJFUzI1NksifQ.bm90IGpzb24.c2ln', 'BadJwt'],
    ['an unknown DID (PLC 404)', () => token({ iss: 'did:plc:nobody00000000000000000' }), 'AuthenticationRequired'],
    ['an unsupported DID method', () => token({ iss: 'did:key:zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc' }), 'AuthenticationRequired'],
    ['a document without an #atproto key', () => token({ iss: 'did:plc:nokey000000000000000000' }), 'AuthenticationRequired'],
    ['a document whose id is another DID', () => token({ iss: 'did:plc:liar0000000000000000000' }), 'AuthenticationRequired'],
  ])('refuses %s', async (_name, make, error) => {
    plc.docs.set('did:plc:nokey000000000000000000', await didDocument('did:plc:nokey000000000000000000', {}))
    plc.docs.set('did:plc:liar0000000000000000000', await didDocument(ALICE, { atproto: keys.alice! }))
    const r = await verifier().verify(await make(), LXM)
    expect(r).toMatchObject({ ok: false, error: { error } })
    if (!r.ok) expect(r.error.message).not.toBe('')
  })

  it('caches documents: many verifications, one PLC request', async () => {
    const v = verifier()
    for (let i = 0; i < 3; i++) expect((await v.verify(await token(), LXM)).ok).toBe(true)
    expect(plc.count(ALICE)).toBe(1)
  })

  it('concurrent misses for one DID share one PLC request', async () => {
    const v = verifier()
    const results = await Promise.all(Array.from({ length: 5 }, async () => v.verify(await token(), LXM)))
    expect(results.every((r) => r.ok)).toBe(true)
    expect(plc.count(ALICE)).toBe(1)
  })

  it('re-resolves after a key rotation, once, and then caches the new key', async () => {
    const v = verifier()
    expect((await v.verify(await token(), LXM)).ok).toBe(true)
    keys.rotated = await createKey('p256')
    plc.docs.set(ALICE, await didDocument(ALICE, { atproto: keys.rotated }))
    clockMs += 11_000
    const rotated = await token({ key: 'rotated', iat: T0 + 11 })
    expect(await v.verify(rotated, LXM)).toMatchObject({ ok: true, value: { did: ALICE } })
    expect(plc.count(ALICE)).toBe(2)
    expect((await v.verify(rotated, LXM)).ok).toBe(true)
    expect(plc.count(ALICE)).toBe(2)
  })

  it('re-resolves a failing signature at most once per minRefreshMs', async () => {
    const v = verifier({ minRefreshMs: 10_000 })
    expect((await v.verify(await token(), LXM)).ok).toBe(true)
    const forged = await token({ key: 'mallory', iat: T0 + 20 })
    expect((await v.verify(forged, LXM)).ok).toBe(false)
    expect(plc.count(ALICE)).toBe(1) // just fetched: no re-resolve
    clockMs += 10_000
    for (let i = 0; i < 3; i++) expect(await v.verify(forged, LXM)).toMatchObject({ ok: false, error: { error: 'BadJwtSignature' } })
    expect(plc.count(ALICE)).toBe(2) // one re-resolve, then the fresh entry is trusted again
  })

  it('refetches after the TTL and evicts the least recently used beyond maxEntries', async () => {
    const v = verifier({ cacheTtlMs: 60_000, cacheMaxEntries: 2 })
    const alice = await token({ exp: 300 })
    expect((await v.verify(alice, LXM)).ok).toBe(true)
    clockMs += 60_000
    expect((await v.verify(alice, LXM)).ok).toBe(true)
    expect(plc.count(ALICE)).toBe(2)
    expect((await v.verify(await token({ key: 'paul', iss: PAUL, exp: 300 }), LXM)).ok).toBe(true)
    expect((await v.verify(await token({ iss: WEB, exp: 300 }), LXM)).ok).toBe(true)
    // Another token of hers: the one verified before is still kept, and would need no document.
    expect((await v.verify(await token({ iat: T0 + 1, exp: 300 }), LXM)).ok).toBe(true)
    expect(plc.count(ALICE)).toBe(3)
  })
})

describe('ServiceAuthVerifier, tokens it verified', () => {
  // Counts the signature checks, to see which verifications were answered from the kept tokens.
  const counted = () => {
    const seen = { checks: 0 }
    return { seen, opts: { verifySignature: async (...a: Parameters<typeof verifyJwtSignature>) => (seen.checks++, verifyJwtSignature(...a)) } }
  }

  it('checks a reused token once, and refuses it for another method or once expired, as it would uncached', async () => {
    const { seen, opts } = counted()
    const v = verifier(opts)
    const t = await token({ exp: 60 })
    for (let i = 0; i < 3; i++) expect(await v.verify(t, LXM)).toEqual({ ok: true, value: { iss: ALICE, did: ALICE } })
    expect(seen.checks).toBe(1)
    expect(await v.verify(t, NSID.getPosts)).toMatchObject({ ok: false, error: { error: 'BadJwtLexiconMethod' } })
    clockMs += 65_000 // exp + the 5 s skew: the last moment it holds
    expect((await v.verify(t, LXM)).ok).toBe(true)
    clockMs += 1
    expect(await v.verify(t, LXM)).toMatchObject({ ok: false, error: { error: 'JwtExpired' } })
    expect(seen.checks).toBe(1)
  })

  it('keeps a token no longer than the key that verified it is trusted: after the document TTL it is checked against the new key', async () => {
    const { seen, opts } = counted()
    const v = verifier({ ...opts, cacheTtlMs: 60_000 })
    const t = await token({ exp: 600 })
    expect((await v.verify(t, LXM)).ok).toBe(true)
    plc.docs.set(ALICE, await didDocument(ALICE, { atproto: keys.mallory! })) // rotated away from the signing key
    clockMs += 59_999
    expect((await v.verify(t, LXM)).ok).toBe(true)
    clockMs += 1
    expect(await v.verify(t, LXM)).toMatchObject({ ok: false, error: { error: 'BadJwtSignature' } })
    expect(seen.checks).toBe(2)
  })

  it('never keeps a token that failed: each forged one is checked again', async () => {
    const { seen, opts } = counted()
    const v = verifier(opts)
    const forged = await token({ key: 'mallory' })
    for (let i = 0; i < 3; i++) expect(await v.verify(forged, LXM)).toMatchObject({ ok: false, error: { error: 'BadJwtSignature' } })
    expect(seen.checks).toBe(3)
  })

  it('keeps none when told so', async () => {
    const { seen, opts } = counted()
    const v = verifier({ ...opts, verifiedTokensMaxEntries: 0 })
    const t = await token()
    for (let i = 0; i < 2; i++) expect((await v.verify(t, LXM)).ok).toBe(true)
    expect(seen.checks).toBe(2)
  })
})

describe('ServiceAuthVerifier.verifyNow', () => {
  const v = () => verifier({ verifySignatureNow: nativeSignatureNow(lib) })

  it('answers a new token at once when its issuer\'s document is cached and the host checks its curve synchronously', async () => {
    const verifier = v()
    const first = verifier.verifyNow(await token(), LXM)
    expect(first).toBeInstanceOf(Promise) // first contact: the document is fetched
    expect(await first).toMatchObject({ ok: true })
    const second = verifier.verifyNow(await token({ iat: T0 + 1 }), LXM)
    expect(second).toEqual({ ok: true, value: { iss: ALICE, did: ALICE } })
    expect(verifier.verifyNow(await token({ key: 'mallory' }), LXM)).toMatchObject({ ok: false, error: { error: 'BadJwtSignature' } })
    expect(verifier.verifyNow(await token({ lxm: 'app.bsky.feed.getTimeline' }), LXM)).toMatchObject({ ok: false, error: { error: 'BadJwtLexiconMethod' } })
    expect(plc.count(ALICE)).toBe(1)
  })

  it('leaves to the asynchronous path a curve it does not check at once, and a failure on a document old enough to look up again', async () => {
    const verifier = v()
    expect(await verifier.verifyNow(await token({ key: 'paul', iss: PAUL }), LXM)).toMatchObject({ ok: true })
    const p256 = verifier.verifyNow(await token({ key: 'paul', iss: PAUL, iat: T0 + 1 }), LXM)
    expect(p256).toBeInstanceOf(Promise)
    expect(await p256).toMatchObject({ ok: true })
    expect(await verifier.verifyNow(await token(), LXM)).toMatchObject({ ok: true })
    keys.rotated2 = await createKey('k256')
    plc.docs.set(ALICE, await didDocument(ALICE, { atproto: keys.rotated2 }))
    clockMs += 11_000
    const rotated = verifier.verifyNow(await token({ key: 'rotated2', iat: T0 + 11 }), LXM)
    expect(rotated).toBeInstanceOf(Promise)
    expect(await rotated).toMatchObject({ ok: true })
    expect(plc.count(ALICE)).toBe(2)
  })
})
