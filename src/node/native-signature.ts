import { hash } from 'node:crypto'
import { createRequire } from 'node:module'
import { getPublicKeyFromDidController, type FoundPublicKey } from '@atcute/crypto'
import type { VerificationMaterial } from '@atcute/identity'
import { verifyJwtSignature, type JwtSignatureCheck } from '../auth/jwt-signature.js'
import { KeyMemo } from '../auth/key-memo.js'
import type { JwtSignatureCheckNow } from '../auth/service-auth-verifier.js'
import { pooledJwtSignature } from './pooled-signature.js'

interface Libsecp256k1 {
  /** Throws on a signature or key that does not parse; false on a mismatch. */
  ecdsaVerify(signature: Uint8Array, hash32: Uint8Array, publicKey: Uint8Array): boolean
  /** Throws on a key that is not a point of the curve. */
  publicKeyConvert(publicKey: Uint8Array, compressed: boolean): Uint8Array
}

/**
 * libsecp256k1 (bitcoin-core's) through the `secp256k1` package's prebuilt N-API addon, loaded
 * from its bindings only: the package's main entry would silently fall back to `elliptic`, pure JS
 * and slower than OpenSSL. Undefined where no prebuilt binary fits this platform.
 */
export function loadLibsecp256k1(): Libsecp256k1 | undefined {
  try {
    return createRequire(import.meta.url)('secp256k1/bindings') as Libsecp256k1
  } catch {
    return undefined
  }
}

/** A multikey this long is no secp256k1 key anyone uses (~50 characters): parsed, but not kept. */
const MAX_MEMO_MULTIBASE = 128
type ParsedKey = FoundPublicKey | null

/**
 * The Node host's secp256k1 check on libsecp256k1, synchronous: about a tenth of OpenSSL's
 * generic-curve cost (bench/README.md, "Signed-in path"), so it runs on the event loop with no
 * thread-pool hop, and a request whose issuer's document is cached is answered in one turn.
 * libsecp256k1 accepts only lower-S signatures (its documented rule), which is atproto's; the
 * 64-byte compact form is checked here. Undefined (not judged here) for other algorithms.
 */
export function nativeSignatureNow(lib: Libsecp256k1): JwtSignatureCheckNow {
  // The same few keys sign request after request: decoding a multikey costs a tenth of a check.
  const keys = new KeyMemo<ParsedKey>()
  const parse = (material: VerificationMaterial): ParsedKey => {
    try {
      const key = getPublicKeyFromDidController(material)
      // Kept uncompressed: a compressed point costs libsecp256k1 a square root on every check.
      return key.jwtAlg === 'ES256K' ? { ...key, publicKeyBytes: new Uint8Array(lib.publicKeyConvert(key.publicKeyBytes, false)) } : key
    } catch {
      return null
    }
  }
  return (material, alg, message, signature) => {
    if (alg !== 'ES256K') return undefined
    const key = material.publicKeyMultibase.length <= MAX_MEMO_MULTIBASE
      ? keys.getById(`${material.type} ${material.publicKeyMultibase}`, () => parse(material))
      : parse(material)
    if (!key || key.jwtAlg !== alg || signature.length !== 64) return false
    try {
      return lib.ecdsaVerify(signature, hash('sha256', message, 'buffer'), key.publicKeyBytes)
    } catch {
      return false
    }
  }
}

/** {@link nativeSignatureNow} in the asynchronous form (sharing its kept keys); other curves go to `fallback`. */
export function nativeJwtSignature(lib: Libsecp256k1, fallback: JwtSignatureCheck = verifyJwtSignature, now = nativeSignatureNow(lib)): JwtSignatureCheck {
  return async (material, alg, message, signature) => now(material, alg, message, signature) ?? fallback(material, alg, message, signature)
}

export interface HostSignatureCheck {
  library: 'libsecp256k1' | 'openssl'
  check: JwtSignatureCheck
  /** Where the library checks synchronously. */
  checkNow?: JwtSignatureCheckNow
}

/** The fastest secp256k1 check this platform has: libsecp256k1 where its binary loads, else OpenSSL on the thread pool. */
export function hostSignatureCheck(): HostSignatureCheck {
  const lib = loadLibsecp256k1()
  if (!lib) return { library: 'openssl', check: pooledJwtSignature }
  const now = nativeSignatureNow(lib)
  return { library: 'libsecp256k1', check: nativeJwtSignature(lib, pooledJwtSignature, now), checkNow: now }
}

/** The host's checks as ServiceAuthVerifier options. */
export const verifierSignatures = (h: HostSignatureCheck): { verifySignature: JwtSignatureCheck; verifySignatureNow?: JwtSignatureCheckNow } =>
  ({ verifySignature: h.check, ...(h.checkNow ? { verifySignatureNow: h.checkNow } : {}) })
