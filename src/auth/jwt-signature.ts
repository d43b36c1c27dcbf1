import { getPublicKeyFromDidController, verifySig } from '@atcute/crypto'
import type { VerificationMaterial } from '@atcute/identity'

/**
 * Checks a JWT signature against a DID document key. Strict on purpose: only the 64-byte compact
 * low-S form that atproto's cryptography spec requires (no high-S, no DER). The reference
 * @atproto/xrpc-server passes `allowMalleableSig: true` for JWTs; PDSs sign with low-S anyway,
 * since the same key signs repo commits where low-S is mandatory.
 * False, never a throw, for an unusable key, a wrong `alg` or a bad signature.
 */
export async function verifyJwtSignature(material: VerificationMaterial, alg: string, message: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer>): Promise<boolean> {
  try {
    const key = getPublicKeyFromDidController(material)
    if (key.jwtAlg !== alg) return false
    return await verifySig(key, signature, message)
  } catch {
    return false
  }
}
