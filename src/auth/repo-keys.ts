import { getVerificationMaterial } from '@atcute/identity'
import { CompositeDidDocumentResolver, PlcDidDocumentResolver } from '@atcute/identity-resolver'
import type { RepoKey, RepoKeys } from '../core/commit-verifier.js'
import { err, ok, type Result } from '../core/result.js'
import { countedResolver, type ResolutionCounts } from './counted-resolver.js'
import { DidDocumentCache, type DidDocumentResult } from './did-document-cache.js'
import { SafeDidWebResolver } from './did-web-resolver.js'

export interface RepoKeysOptions {
  /** did:plc documents come from this directory (the operator's setting, so any address). */
  plcUrl: string
  fetch?: typeof fetch
  /** did:web documents are fetched with this: on Node, a fetch pinned to the public addresses it checked. */
  webFetch: typeof fetch
  /** Local development only: did:web hosts on loopback and private addresses (ATRARIUM_ALLOW_LOCAL_PDS). */
  allowLocal: boolean
  ttlMs?: number
  maxEntries?: number
  /** A failed signature fetches the document again at most this often per DID. */
  minRefreshMs?: number
  now?: () => number
  /** Counts the documents fetched (the metrics' `atrarium_did_resolutions_total{purpose="keys"}`). */
  resolutions?: ResolutionCounts
}

/**
 * Repos' `#atproto` signing keys for the commit verifier, from their DID documents: the service-auth
 * verifier's bounded document cache (LRU by count and bytes, TTL, failures remembered, one request per
 * DID at a time) and resolvers (did:plc from the configured directory, did:web from public hosts only).
 * No lookup budget: only commits that passed stage 1 ask, one repo per frame, at most twice.
 */
export function repoKeys(opts: RepoKeysOptions): RepoKeys {
  const fetchFn = opts.fetch ?? globalThis.fetch
  const now = opts.now ?? Date.now
  const minRefreshMs = opts.minRefreshMs ?? 10_000
  const resolver = countedResolver(
    new CompositeDidDocumentResolver({
      methods: {
        plc: new PlcDidDocumentResolver({ apiUrl: opts.plcUrl, fetch: fetchFn }),
        web: new SafeDidWebResolver({ fetch: opts.webFetch, allowLocal: opts.allowLocal }),
      },
    }),
    opts.resolutions,
  )
  const cache = new DidDocumentCache({
    resolver,
    ttlMs: opts.ttlMs ?? 60 * 60_000,
    maxEntries: opts.maxEntries ?? 50_000,
    maxBytes: 32 * 1024 * 1024,
    maxDocumentBytes: 20 * 1024,
    failureTtlMs: 60_000,
    maxFailures: 10_000,
    timeoutMs: 5_000,
    now,
  })
  const keyOf = (found: DidDocumentResult, did: string): Result<RepoKey> => {
    if (!found.ok) return err(found.error.message)
    const material = getVerificationMaterial(found.value.doc, '#atproto')
    return material ? ok({ material, cached: found.value.fromCache }) : err(`the DID document of ${did} has no #atproto key`)
  }
  const supported = (did: string) => did.startsWith('did:plc:') || did.startsWith('did:web:')
  return {
    async get(did) {
      if (!supported(did)) return err(`unsupported DID method: ${did.split(':', 2).join(':')}`)
      return keyOf(await cache.get(did), did)
    },
    async refresh(did) {
      const kept = await cache.get(did)
      // A flood of forged signatures must not become a flood of directory requests.
      if (kept.ok && now() - kept.value.fetchedAtMs < minRefreshMs) return keyOf(kept, did)
      return keyOf(await cache.refresh(did), did)
    },
    forget: (did) => cache.forget(did),
  }
}
