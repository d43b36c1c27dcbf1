/**
 * Viewers' service JWTs as the AppView sends with every getFeedSkeleton it forwards: secp256k1 (the
 * key type of nearly every account), each viewer's DID document served by a local PLC.
 */
import { createServiceJwt } from '@atcute/xrpc-server/auth'
import type { PrivateKeyExportable } from '@atcute/crypto'
import { NSID } from '../src/core/nsid.js'
import { createKey, didDocument, type FakePlc } from '../test/support/fake-plc.js'
import { log } from './lib.js'

/** The service DID both benchmarked servers answer as: every token's `aud`. */
export const SERVICE_DID = 'did:web:bench.local'

export interface Viewer {
  did: `did:plc:${string}`
  key: PrivateKeyExportable
}

/** `count` viewers with fresh keys, their documents on `plc`. */
export async function registerViewers(plc: FakePlc, count: number): Promise<Viewer[]> {
  return Promise.all(Array.from({ length: count }, async (_, i): Promise<Viewer> => {
    const did = `did:plc:benchviewer${i.toString(36).padStart(13, '0')}` as const
    const key = await createKey('k256')
    plc.docs.set(did, await didDocument(did, { atproto: key }))
    return { did, key }
  }))
}

/**
 * An `Authorization` value for getFeedSkeleton signed by `viewer`. Each carries a random `jti`, so
 * two tokens of one viewer are different strings (nothing keyed on the token can serve one for the
 * other). They live an hour: a benchmark run reuses them for minutes.
 */
export async function bearer(viewer: Viewer): Promise<string> {
  const token = await createServiceJwt({ keypair: viewer.key, issuer: viewer.did, audience: SERVICE_DID, lxm: NSID.getFeedSkeleton, expiresIn: 3600 })
  return `Bearer ${token}`
}

/** `n` distinct tokens, the viewers taking turns (signing costs ~1 ms each on one core). */
export async function tokenPool(viewers: readonly Viewer[], n: number): Promise<string[]> {
  const t = performance.now()
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push(await bearer(viewers[i % viewers.length]!))
  log(`signed ${n} service JWTs for ${viewers.length} viewers in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  return out
}
