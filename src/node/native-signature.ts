import { hash } from 'node:crypto'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { getPublicKeyFromDidController, type FoundPublicKey } from '@atcute/crypto'
import type { VerificationMaterial } from '@atcute/identity'
import { verifyJwtSignature, type JwtSignatureCheck } from '../auth/jwt-signature.js'
import { KeyMemo } from '../auth/key-memo.js'
import type { JwtSignatureCheckNow } from '../auth/service-auth-verifier.js'
import { pooledJwtSignature } from './pooled-signature.js'
import { SignatureWorker, type SignatureItem } from './signature-worker.js'

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
type Prepared = SignatureItem | boolean | undefined

/**
 * What a libsecp256k1 check of a JWT or commit signature takes (signature, digest, key), or its
 * answer where no check is needed: false for a key or signature of the wrong form, undefined for
 * another algorithm (not judged here). libsecp256k1 accepts only lower-S signatures (its documented
 * rule), which is atproto's; the 64-byte compact form is checked here.
 */
function preparer(lib: Libsecp256k1): (material: VerificationMaterial, alg: string, message: Uint8Array, signature: Uint8Array) => Prepared {
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
    return [signature, hash('sha256', message, 'buffer'), key.publicKeyBytes]
  }
}

const checkWith = (lib: Libsecp256k1) => ([signature, digest, key]: SignatureItem): boolean => {
  try {
    return lib.ecdsaVerify(signature, digest, key)
  } catch {
    return false
  }
}

/**
 * The Node host's secp256k1 check on libsecp256k1, synchronous, on the event loop: about a tenth of
 * OpenSSL's generic-curve cost (bench/README.md, "Signed-in path"), so a request whose issuer's
 * document is cached is answered in one turn. Undefined for other algorithms.
 */
export function nativeSignatureNow(lib: Libsecp256k1): JwtSignatureCheckNow {
  const prepare = preparer(lib)
  const check = checkWith(lib)
  return (material, alg, message, signature) => {
    const prepared = prepare(material, alg, message, signature)
    return typeof prepared === 'object' ? check(prepared) : prepared
  }
}

/** {@link nativeSignatureNow} in the asynchronous form (sharing `now`'s kept keys); other curves go to `fallback`. */
export function nativeJwtSignature(lib: Libsecp256k1, fallback: JwtSignatureCheck = verifyJwtSignature, now = nativeSignatureNow(lib)): JwtSignatureCheck {
  return async (material, alg, message, signature) => now(material, alg, message, signature) ?? fallback(material, alg, message, signature)
}

/**
 * The same check with libsecp256k1 on a worker thread (`worker`), in batches: where the machine has
 * a core to spare, the event loop keeps serving while the signatures are checked, which measured
 * 4.3–5.4k new tokens a second here against 3.3–4.0k on the event loop (bench/README.md).
 */
export function workerJwtSignature(lib: Libsecp256k1, worker: SignatureWorker, fallback: JwtSignatureCheck = verifyJwtSignature): JwtSignatureCheck {
  const prepare = preparer(lib)
  return async (material, alg, message, signature) => {
    const prepared = prepare(material, alg, message, signature)
    if (prepared === undefined) return fallback(material, alg, message, signature)
    return typeof prepared === 'object' ? worker.verify(prepared) : prepared
  }
}

export interface HostSignatureCheck {
  library: 'libsecp256k1' | 'openssl'
  /** Where secp256k1 signatures are checked. */
  thread: 'worker' | 'event loop' | 'thread pool'
  check: JwtSignatureCheck
  /** Where the library checks synchronously on the event loop. */
  checkNow?: JwtSignatureCheckNow
  /** Ends the worker thread, if there is one; later checks run on the event loop. */
  close(): Promise<void>
}

/**
 * The fastest secp256k1 check this platform has: libsecp256k1 where its binary loads, on a worker
 * thread when there is more than one core (`worker` overrides), else on the event loop; OpenSSL on
 * the thread pool where it does not load.
 */
export function hostSignatureCheck(opts: { worker?: boolean } = {}): HostSignatureCheck {
  const lib = loadLibsecp256k1()
  if (!lib) return { library: 'openssl', thread: 'thread pool', check: pooledJwtSignature, close: async () => {} }
  if (opts.worker ?? availableParallelism() > 1) {
    const worker = new SignatureWorker(checkWith(lib))
    return { library: 'libsecp256k1', thread: 'worker', check: workerJwtSignature(lib, worker, pooledJwtSignature), close: () => worker.close() }
  }
  const now = nativeSignatureNow(lib)
  return { library: 'libsecp256k1', thread: 'event loop', check: nativeJwtSignature(lib, pooledJwtSignature, now), checkNow: now, close: async () => {} }
}

/** The host's checks as ServiceAuthVerifier options. */
export const verifierSignatures = (h: HostSignatureCheck): { verifySignature: JwtSignatureCheck; verifySignatureNow?: JwtSignatureCheckNow } =>
  ({ verifySignature: h.check, ...(h.checkNow ? { verifySignatureNow: h.checkNow } : {}) })
