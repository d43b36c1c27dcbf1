import type { DidDocument } from '@atcute/identity'
import type { DidDocumentResolver } from '@atcute/identity-resolver'

export interface CachedDidDocument {
  doc: DidDocument
  fetchedAtMs: number
  /** True when no request was made for this answer. */
  fromCache: boolean
}

export interface DidDocumentCacheOptions {
  resolver: DidDocumentResolver
  ttlMs: number
  maxEntries: number
  /** Upper bound for one resolution, so a slow PLC or did:web host cannot hold a request open. */
  timeoutMs: number
  now?: () => number
}

type Did = `did:${string}:${string}`

/**
 * An LRU of DID documents with a TTL. Concurrent misses for one DID share a single request, so a
 * burst of tokens from a new issuer costs one PLC lookup. Resolution failures throw, as the
 * resolver's do, and are not cached.
 */
export class DidDocumentCache {
  readonly #opts: DidDocumentCacheOptions
  readonly #now: () => number
  readonly #entries = new Map<string, { doc: DidDocument; fetchedAtMs: number }>()
  readonly #inflight = new Map<string, Promise<CachedDidDocument>>()

  constructor(opts: DidDocumentCacheOptions) {
    this.#opts = opts
    this.#now = opts.now ?? Date.now
  }

  async get(did: string): Promise<CachedDidDocument> {
    const entry = this.#entries.get(did)
    if (entry && this.#now() - entry.fetchedAtMs < this.#opts.ttlMs) {
      this.#entries.delete(did)
      this.#entries.set(did, entry)
      return { ...entry, fromCache: true }
    }
    return this.refresh(did)
  }

  /** Fetches the document again, whatever the cache holds (joins a fetch already under way). */
  refresh(did: string): Promise<CachedDidDocument> {
    const pending = this.#inflight.get(did)
    if (pending) return pending
    const fetching = this.#fetch(did).finally(() => this.#inflight.delete(did))
    this.#inflight.set(did, fetching)
    return fetching
  }

  async #fetch(did: string): Promise<CachedDidDocument> {
    const doc = await this.#opts.resolver.resolve(did as Did, { noCache: true, signal: AbortSignal.timeout(this.#opts.timeoutMs) })
    // The resolvers return whatever the host serves; a document for another DID proves nothing.
    if (doc.id !== did) throw new Error(`DID document id ${doc.id} does not match ${did}`)
    const entry = { doc, fetchedAtMs: this.#now() }
    this.#entries.delete(did)
    this.#entries.set(did, entry)
    if (this.#entries.size > this.#opts.maxEntries) {
      const oldest = this.#entries.keys().next()
      if (!oldest.done) this.#entries.delete(oldest.value)
    }
    return { ...entry, fromCache: false }
  }
}
