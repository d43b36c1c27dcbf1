import { Secp256k1Keypair } from '@atproto/crypto'
import { getVerificationMaterial, type DidDocument } from '@atcute/identity'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyJwtSignature } from '../auth/jwt-signature.js'
import { repoKeys } from '../auth/repo-keys.js'
import { FakePlc } from '../../test/support/fake-plc.js'
import { flipSignatureByte, foreignRecord, identityFrame, resign, SignedRepo, type Tamper, type Write } from '../../test/support/signed-repo.js'
import { prng } from '../../test/fuzz/mutate.js'
import { CommitVerifier, type CommitVerdict, type RepoKeys } from './commit-verifier.js'
import { decodeFirehoseFrame } from './firehose-frame.js'
import { NSID, WANTED_COLLECTIONS } from './nsid.js'
import { err, ok } from './result.js'

const DID = 'did:plc:verifiertestaaaaaaaaaaaa'
const collections = new Set<string>(WANTED_COLLECTIONS)
const post = (rkey: string, text = 'hello #atrarium_0a1b2c3d'): Write => ({ action: 'create', collection: NSID.post, rkey, record: { text, createdAt: '2026-11-29T00:00:00.000Z' } })

/** Keys straight from the repos' documents, no network: the verifier's own logic under test. */
function keysOf(docs: Map<string, object>): RepoKeys {
  return {
    get: async (did) => {
      const doc = docs.get(did)
      const material = doc && getVerificationMaterial(doc as DidDocument, '#atproto')
      return material ? ok({ material, cached: false }) : err(`no #atproto key for ${did}`)
    },
    refresh: async () => err('not refreshed'),
    forget: () => {},
  }
}

describe('CommitVerifier', () => {
  // Each case gets a fresh repo holding 300 likes (a multi-level MST) plus one post, `3kept`.
  const cases: { name: string; writes: Write[]; tamper?: Tamper; keyless?: boolean; expected: CommitVerdict | RegExp }[] = [
    { name: 'a signed create of a post', writes: [post('3new')], expected: { outcome: 'verified' } },
    { name: 'an update and a delete with a create', writes: [{ ...post('3kept', 'edited'), action: 'update' }, post('3new')], expected: { outcome: 'verified' } },
    { name: 'a delete of a post', writes: [{ action: 'delete', collection: NSID.post, rkey: '3kept' }], expected: { outcome: 'verified' } },
    { name: 'a commit of nothing indexed (a like)', writes: [{ action: 'create', collection: NSID.like, rkey: '3like', record: { createdAt: '2026-11-29T00:00:00.000Z' } }], expected: { outcome: 'unchecked' } },
    { name: 'a flipped signature byte', writes: [post('3new')], tamper: { commit: flipSignatureByte }, expected: /^signature:/ },
    { name: 'a well-formed commit signed by another key', writes: [post('3new')], tamper: { commit: async (c) => resign(c, await Secp256k1Keypair.create()) }, expected: /^signature:/ },
    { name: 'the same commit decoded and encoded again (the control)', writes: [post('3new')], tamper: { commit: async (c) => c }, expected: { outcome: 'verified' } },
    {
      name: 'an op claiming a record CID the MST does not hold',
      writes: [post('3new')],
      tamper: { ops: (ops) => ops.map((o) => ({ ...o, cid: foreignRecord({ $type: NSID.post, text: 'forged' }).cid.link })) },
      expected: /^proof: app\.bsky\.feed\.post\/3new is not/,
    },
    {
      name: 'a delete whose path is still in the MST',
      writes: [post('3new')],
      tamper: { ops: (ops) => [...ops, { action: 'delete', path: `${NSID.post}/3kept`, cid: null }] },
      expected: /^proof: deleted app\.bsky\.feed\.post\/3kept is still in the MST/,
    },
    {
      name: 'a create claimed at a path the commit never wrote',
      writes: [post('3new')],
      tamper: { ops: (ops) => ops.map((o) => ({ ...o, path: `${NSID.post}/3other` })) },
      expected: /^proof:/,
    },
    { name: 'a repo whose document has no #atproto key', writes: [post('3new')], keyless: true, expected: /^key:/ },
  ]

  it.each(cases)('$name', async ({ writes, tamper, keyless, expected }) => {
    const repo = await SignedRepo.create(DID, { records: 300 })
    await repo.commit(1, [post('3kept')])
    const docs = new Map<string, object>(keyless ? [] : [[DID, repo.didDocument()]])
    const verifier = new CommitVerifier({ keys: keysOf(docs), verifySignature: verifyJwtSignature, collections })
    const verdict = await verifier.verify(await repo.commit(2, writes, tamper))
    if (expected instanceof RegExp) {
      expect(verdict.outcome).toBe('rejected')
      if (verdict.outcome === 'rejected') expect(`${verdict.reason}: ${verdict.detail}`).toMatch(expected)
    } else expect(verdict).toEqual(expected)
  })

  it('refuses a record block whose bytes are not its CID, though the MST names that CID', async () => {
    const repo = await SignedRepo.create(DID)
    const frame = await repo.commit(1, [post('3new', 'original text')])
    // Same length, so the CAR still parses: only the block's hash gives the forgery away.
    const forged = Buffer.from(frame)
    const at = forged.indexOf(Buffer.from('original text'))
    forged.write('forged!! text', at)
    const verifier = new CommitVerifier({ keys: keysOf(new Map([[DID, repo.didDocument()]])), verifySignature: verifyJwtSignature, collections })
    expect(await verifier.verify(forged)).toMatchObject({ outcome: 'rejected', reason: 'proof' })
    expect(await verifier.verify(frame)).toEqual({ outcome: 'verified' })
  })

  it('judges a batch in order', async () => {
    const repo = await SignedRepo.create(DID)
    const verifier = new CommitVerifier({ keys: keysOf(new Map([[DID, repo.didDocument()]])), verifySignature: verifyJwtSignature, collections })
    const frames = [await repo.commit(1, [post('3a')]), await repo.commit(2, [post('3b')], { commit: flipSignatureByte }), identityFrame(3, DID)]
    expect((await verifier.verifyAll(frames)).map((v) => v.outcome)).toEqual(['verified', 'rejected', 'unchecked'])
  })
})

describe('CommitVerifier with repoKeys: key rotation', () => {
  let plc: FakePlc
  beforeAll(async () => {
    plc = await FakePlc.start()
  })
  afterAll(() => plc.close())

  it.each([
    { name: 'an #identity frame makes the new key be fetched at once', identity: true, minRefreshMs: 60_000, verified: true },
    { name: 'without #identity, a failure refetches once the kept key is old enough', identity: false, minRefreshMs: 0, verified: true },
    { name: 'without #identity, a key fetched moments ago is not fetched again', identity: false, minRefreshMs: 60_000, verified: false },
  ])('$name', async ({ identity, minRefreshMs, verified }) => {
    const did = `did:plc:rotation${identity ? 'i' : 'n'}${minRefreshMs}`.padEnd(32, 'a')
    const repo = await SignedRepo.create(did)
    plc.docs.set(did, repo.didDocument())
    const keys = repoKeys({ plcUrl: plc.url, webFetch: fetch, allowLocal: false, minRefreshMs })
    const verifier = new CommitVerifier({ keys, verifySignature: verifyJwtSignature, collections })
    expect(await verifier.verify(await repo.commit(1, [post('3a')]))).toEqual({ outcome: 'verified' })
    expect(await verifier.verify(await repo.commit(2, [post('3b')]))).toEqual({ outcome: 'verified' })
    expect(plc.count(did)).toBe(1)

    await repo.rotateKey()
    plc.docs.set(did, repo.didDocument())
    const frames = [...(identity ? [identityFrame(3, did)] : []), await repo.commit(4, [post('3c')])]
    const verdicts = await verifier.verifyAll(frames)
    expect(verdicts.at(-1)).toMatchObject(verified ? { outcome: 'verified' } : { outcome: 'rejected', reason: 'signature' })
    expect(plc.count(did)).toBe(verified ? 2 : 1)
  })

  it('refuses with reason key when the DID does not resolve', async () => {
    const repo = await SignedRepo.create('did:plc:unknownrepoaaaaaaaaaaaaa')
    const verifier = new CommitVerifier({ keys: repoKeys({ plcUrl: plc.url, webFetch: fetch, allowLocal: false }), verifySignature: verifyJwtSignature, collections })
    expect(await verifier.verify(await repo.commit(1, [post('3a')]))).toMatchObject({ outcome: 'rejected', reason: 'key' })
  })
})

describe('CommitVerifier on damaged frames', () => {
  it('never throws, and whatever it verifies carries only records the repo signed', async () => {
    const repo = await SignedRepo.create(DID, { records: 100 })
    const frame = await repo.commit(1, [post('3a', 'the signed text'), { action: 'create', collection: NSID.membership, rkey: '3m', record: { community: 'at://did:plc:x/net.atrarium.community.config/3c', role: 'member', joinedAt: '2026-11-29T00:00:00.000Z', active: true } }])
    const verifier = new CommitVerifier({ keys: keysOf(new Map([[DID, repo.didDocument()]])), verifySignature: verifyJwtSignature, collections })
    const recordsOf = (f: Uint8Array) => {
      const m = decodeFirehoseFrame(f, collections)
      return m.ok && m.value.type === 'commit' ? m.value.events.map(({ timeUs: _t, cursor: _c, ...e }) => e) : undefined
    }
    const signed = recordsOf(frame)
    const rand = prng(15)
    const outcomes = new Map<string, number>()
    for (let i = 0; i < 400; i++) {
      const damaged = Uint8Array.from(frame)
      for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) damaged[Math.floor(rand() * damaged.length)]! ^= 1 << Math.floor(rand() * 8)
      const verdict = await verifier.verify(damaged)
      outcomes.set(verdict.outcome, (outcomes.get(verdict.outcome) ?? 0) + 1)
      // Bytes outside what is signed and proven (seq, time, an op moved out of the indexed
      // collections) may change what is indexed, but never into a record the repo did not sign.
      if (verdict.outcome === 'verified') for (const e of recordsOf(damaged) ?? []) expect(signed).toContainEqual(e)
    }
    expect(outcomes.get('rejected')).toBeGreaterThan(200)
  })
})
