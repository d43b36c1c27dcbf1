import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { getPublicKeyFromDidController } from '@atcute/crypto'
import { verifyJwtSignature, type JwtSignatureCheck } from '../auth/jwt-signature.js'
import { pooledJwtSignature } from './pooled-signature.js'

interface Libsecp256k1 {
  /** Throws on a signature or key that does not parse; false on a mismatch. */
  ecdsaVerify(signature: Uint8Array, hash32: Uint8Array, publicKey: Uint8Array): boolean
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

/**
 * The Node host's secp256k1 check on libsecp256k1: about a tenth of OpenSSL's generic-curve cost
 * (bench/README.md, "Signed-in path"), so it runs on the event loop, with no thread-pool hop.
 * libsecp256k1 accepts only lower-S signatures (its documented rule), which is atproto's; the
 * 64-byte compact form is checked here. Other curves go to `fallback`.
 */
export function nativeJwtSignature(lib: Libsecp256k1, fallback: JwtSignatureCheck = verifyJwtSignature): JwtSignatureCheck {
  return async (material, alg, message, signature) => {
    if (alg !== 'ES256K') return fallback(material, alg, message, signature)
    try {
      const key = getPublicKeyFromDidController(material)
      if (key.jwtAlg !== alg || signature.length !== 64) return false
      return lib.ecdsaVerify(signature, createHash('sha256').update(message).digest(), key.publicKeyBytes)
    } catch {
      return false
    }
  }
}

/** The fastest secp256k1 check this platform has: libsecp256k1 where its binary loads, else OpenSSL on the thread pool. */
export function hostSignatureCheck(): { library: 'libsecp256k1' | 'openssl'; check: JwtSignatureCheck } {
  const lib = loadLibsecp256k1()
  return lib ? { library: 'libsecp256k1', check: nativeJwtSignature(lib, pooledJwtSignature) } : { library: 'openssl', check: pooledJwtSignature }
}
