import { getPublicKeyFromDidController, P256PublicKey, Secp256k1PublicKey, type FoundPublicKey, type PublicKey } from '@atcute/crypto'
import type { SignatureCheck } from '../core/commit-verifier.js'
import { KeyMemo } from './key-memo.js'

const imported = new KeyMemo<Promise<PublicKey>>()

const importKey = (key: FoundPublicKey): Promise<PublicKey> =>
  imported.get(key.type, key.publicKeyBytes, () =>
    key.type === 'p256' ? P256PublicKey.importRaw(key.publicKeyBytes) : Secp256k1PublicKey.importRaw(key.publicKeyBytes))

/** Checks a JWT signature against a DID document key; hosts may bring a faster one. Commits use the same check. */
export type JwtSignatureCheck = SignatureCheck

/**
 * Checks a JWT signature against a DID document key. Strict on purpose: only the 64-byte compact
 * low-S form that atproto's cryptography spec requires (no high-S, no DER). The reference
 * @atproto/xrpc-server passes `allowMalleableSig: true` for JWTs; PDSs sign with low-S anyway,
 * since the same key signs repo commits where low-S is mandatory.
 * False, never a throw, for an unusable key, a wrong `alg` or a bad signature.
 */
export const verifyJwtSignature: JwtSignatureCheck = async (material, alg, message, signature) => {
  try {
    const key = compressed(getPublicKeyFromDidController(material))
    if (key.jwtAlg !== alg) return false
    return await (await importKey(key)).verify(signature, message)
  } catch {
    return false
  }
}

/**
 * Legacy `EcdsaSecp256k1VerificationKey2019` keys carry the uncompressed point (0x04‖X‖Y), as the
 * PLC of @atproto/dev-env still serves them; @atcute/crypto's Node secp256k1 import only takes the
 * 33-byte compressed form. Compressing needs no curve math: the prefix is Y's parity.
 */
export function compressed(key: FoundPublicKey): FoundPublicKey {
  const bytes = key.publicKeyBytes
  if (bytes.length !== 65 || bytes[0] !== 0x04) return key
  const out = new Uint8Array(33)
  out[0] = (bytes[64]! & 1) === 1 ? 0x03 : 0x02
  out.set(bytes.subarray(1, 33), 1)
  return { ...key, publicKeyBytes: out }
}
