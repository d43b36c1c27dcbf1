import { describe, expect, it } from 'vitest'
import { interopJson } from '../../test/helpers/interop.js'
import { verifyJwtSignature } from './jwt-signature.js'

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
