import { createPublicKey, verify, type KeyObject } from 'node:crypto'
import { getPublicKeyFromDidController } from '@atcute/crypto'
import { compressed, verifyJwtSignature, type JwtSignatureCheck } from '../auth/jwt-signature.js'
import { KeyMemo } from '../auth/key-memo.js'

// SubjectPublicKeyInfo of a compressed secp256k1 point, up to the point's 33 bytes: ecPublicKey
// (1.2.840.10045.2.1) on secp256k1 (1.3.132.0.10).
const SPKI_PREFIX = Buffer.from('3036301006072a8648ce3d020106052b8104000a032200', 'hex')
// Half the group order: atproto accepts only low-S signatures (the cryptography spec).
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n
const keys = new KeyMemo<KeyObject>()

function isLowS(signature: Uint8Array): boolean {
  let s = 0n
  for (let i = 32; i < 64; i++) s = (s << 8n) | BigInt(signature[i]!)
  return s <= HALF_ORDER
}

const keyObject = (publicKeyBytes: Uint8Array): KeyObject =>
  keys.get('secp256k1', publicKeyBytes, () => createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKeyBytes]), format: 'der', type: 'spki' }))

/**
 * The Node host's JWT signature check. A secp256k1 verification (nearly every account's key) costs
 * about a millisecond of OpenSSL, which @atcute/crypto runs on the event loop; here it runs on
 * libuv's thread pool, so requests keep being answered meanwhile and other cores share the work.
 * The rules are verifyJwtSignature's: 64-byte compact low-S signatures only. P-256 goes to it
 * unchanged, as WebCrypto already verifies off the event loop.
 */
export const pooledJwtSignature: JwtSignatureCheck = async (material, alg, message, signature) => {
  if (alg !== 'ES256K') return verifyJwtSignature(material, alg, message, signature)
  try {
    const found = compressed(getPublicKeyFromDidController(material))
    if (found.jwtAlg !== alg || signature.length !== 64 || !isLowS(signature)) return false
    const key = keyObject(found.publicKeyBytes)
    return await new Promise<boolean>((resolve) => {
      verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature, (err, valid) => resolve(!err && valid))
    })
  } catch {
    return false
  }
}
