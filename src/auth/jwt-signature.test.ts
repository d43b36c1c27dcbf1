import { ECDH } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { createKey, type KeyKind } from '../../test/support/fake-plc.js'
import { interopJson } from '../../test/helpers/interop.js'
import { SIGNATURE_CHECKS, SIGNATURE_WORKER } from '../../test/support/signature-checks.js'

afterAll(() => SIGNATURE_WORKER.close())

interface SignatureFixture {
  comment: string
  messageBase64: string
  algorithm: string
  didDocSuite: string
  publicKeyMultibase: string
  signatureBase64: string
  validSignature: boolean
  tags: string[]
}

// atproto interop vectors (CC0): valid low-S signatures, and high-S and DER ones that must fail.
const fixtures = interopJson<SignatureFixture[]>('crypto/signature-fixtures.json')
const bytes = (b64: string) => Uint8Array.from(Buffer.from(b64, 'base64'))

// Every check a host offers must agree.
describe.each(SIGNATURE_CHECKS)('%s', (_name, verifyJwtSignature) => {
describe('verifyJwtSignature against the interop signature fixtures', () => {
  it('covers both curves and both kinds of invalid signature', () => {
    expect(new Set(fixtures.map((f) => f.algorithm))).toEqual(new Set(['ES256', 'ES256K']))
    expect(new Set(fixtures.flatMap((f) => f.tags))).toEqual(new Set(['high-s', 'der-encoded']))
  })

  it.each(fixtures.map((f) => [f.comment, f] as const))('%s', async (_comment, f) => {
    // The document-style key (legacy suite type with publicKeyMultibase), as a DID document carries it.
    const material = { type: f.didDocSuite, publicKeyMultibase: f.publicKeyMultibase }
    expect(await verifyJwtSignature(material, f.algorithm, bytes(f.messageBase64), bytes(f.signatureBase64))).toBe(f.validSignature)
  })

  it('refuses a valid signature announced under the other algorithm', async () => {
    const f = fixtures.find((x) => x.validSignature && x.algorithm === 'ES256K')!
    const material = { type: f.didDocSuite, publicKeyMultibase: f.publicKeyMultibase }
    expect(await verifyJwtSignature(material, 'ES256', bytes(f.messageBase64), bytes(f.signatureBase64))).toBe(false)
  })

  it('is false, not a throw, for an unusable key', async () => {
    expect(await verifyJwtSignature({ type: 'Multikey', publicKeyMultibase: 'zNotAKey' }, 'ES256K', new Uint8Array(1), new Uint8Array(64))).toBe(false)
  })
})

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
function base58btc(bytes: Uint8Array): string {
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex')}`)
  let out = ''
  while (n > 0n) {
    out = B58[Number(n % 58n)]! + out
    n /= 58n
  }
  for (let i = 0; i < bytes.length && bytes[i] === 0; i++) out = `1${out}`
  return `z${out}`
}

describe('verifyJwtSignature key encodings', () => {
  const curves: [KeyKind, string, string, string][] = [
    ['k256', 'secp256k1', 'EcdsaSecp256k1VerificationKey2019', 'ES256K'],
    ['p256', 'prime256v1', 'EcdsaSecp256r1VerificationKey2019', 'ES256'],
  ]
  it.each(curves.flatMap(([kind, curve, suite, alg]) => [
    [`${alg} Multikey`, kind, curve, 'Multikey', alg],
    [`${alg} legacy compressed`, kind, curve, suite, alg],
    [`${alg} legacy uncompressed (the dev-env PLC serves these)`, kind, curve, suite, alg],
  ]))('%s', async (name, kind, curve, type, alg) => {
    const key = await createKey(kind as KeyKind)
    const message = new TextEncoder().encode('header.payload')
    const signature = await key.sign(message)
    const raw = await key.exportPublicKey('raw')
    const publicKeyMultibase =
      type === 'Multikey' ? await key.exportPublicKey('multikey')
      : name.includes('uncompressed') ? base58btc(ECDH.convertKey(raw, curve, undefined, undefined, 'uncompressed') as Buffer)
      : base58btc(raw)
    expect(await verifyJwtSignature({ type, publicKeyMultibase }, alg, message, signature)).toBe(true)
  })
})
})
