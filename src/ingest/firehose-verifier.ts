import type { ResolutionCounts } from '../auth/counted-resolver.js'
import { repoKeys } from '../auth/repo-keys.js'
import { verifyJwtSignature } from '../auth/jwt-signature.js'
import { CommitVerifier, type SignatureCheck } from '../core/commit-verifier.js'
import { WANTED_COLLECTIONS } from '../core/nsid.js'

export interface FirehoseVerifierOptions {
  plcUrl: string
  /** did:web documents: on Node a fetch pinned to public addresses; on Workers Cloudflare's. */
  webFetch: typeof fetch
  allowLocal: boolean
  /** The Node host verifies secp256k1 on libuv's pool (src/node/pooled-signature.ts). */
  verifySignature?: SignatureCheck
  resolutions?: ResolutionCounts
}

/** The commit verifier both hosts put between stage 1 and stage 2 of a firehose (ATRARIUM_VERIFY_COMMITS). */
export function firehoseVerifier(opts: FirehoseVerifierOptions): CommitVerifier {
  return new CommitVerifier({
    keys: repoKeys({ plcUrl: opts.plcUrl, webFetch: opts.webFetch, allowLocal: opts.allowLocal, ...(opts.resolutions ? { resolutions: opts.resolutions } : {}) }),
    verifySignature: opts.verifySignature ?? verifyJwtSignature,
    collections: new Set(WANTED_COLLECTIONS),
  })
}
