import type { DidDocument } from '@atcute/identity'
import { DocumentNotFoundError, type DidDocumentResolver } from '@atcute/identity-resolver'
import { err, ok, type Result } from '../core/result.js'
import { authFailure, type AuthFailure } from './auth-failure.js'
import { RefusedDidWebError } from './did-web-resolver.js'

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
  /** Bound on the kept documents' total JSON size, in bytes: the cache's memory, whoever sends tokens. */
  maxBytes: number
  /** A document larger than this is refused (atproto documents are a few hundred bytes to a few KB). */
  maxDocumentBytes: number
  /** How long a failed resolution is answered from memory, so one unknown DID costs one lookup. */
  failureTtlMs: number
  /**
   * The same for a failure that may pass (a timeout, a PLC error): shorter, so an outage of the PLC
   * shuts new issuers out for seconds, not a minute. Single flight and the lookup budget still bound it.
   */
  transientFailureTtlMs?: number
  maxFailures: number
  /** Upper bound for one resolution, so a slow PLC or did:web host cannot hold a request open. */
  timeoutMs: number
  /** Asked before each network lookup; false answers "too many lookups" without making one. */
  mayLookUp?: (did: string) => boolean
  now?: () => number
}

type Did = `did:${string}:${string}`
const TRANSIENT_FAILURE_TTL_MS = 5_000
type Entry = { doc: DidDocument; fetchedAtMs: number; bytes: number }
export type DidDocumentResult = Result<CachedDidDocument, AuthFailure>

/**
 * An LRU of DID documents with a TTL, bounded in entries and in bytes. Concurrent misses for one
 * DID share a single request, so a burst of tokens from a new issuer costs one PLC lookup, and a
 * failed resolution is remembered for `failureTtlMs`, so a burst of tokens from an unknown one does
 * too. Documents are kept before any signature has been checked against them, which is why the
 * byte bound, not trust, limits what forged tokens can make the cache hold.
 */
export class DidDocumentCache {
  readonly #opts: DidDocumentCacheOptions
  readonly #now: () => number
  readonly #entries = new Map<string, Entry>()
  readonly #failures = new Map<string, { failure: AuthFailure; untilMs: number }>()
  readonly #inflight = new Map<string, Promise<DidDocumentResult>>()
  #bytes = 0

  constructor(opts: DidDocumentCacheOptions) {
    this.#opts = opts
    this.#now = opts.now ?? Date.now
  }

  /** The kept documents' total JSON size. */
  get bytes(): number {
    return this.#bytes
  }

  get size(): number {
    return this.#entries.size
  }

  async get(did: string): Promise<DidDocumentResult> {
    const kept = this.cached(did)
    return kept ? ok(kept) : this.refresh(did)
  }

  /** The document if a fresh one is cached, without a promise; undefined when `get` would have to look. */
  cached(did: string): CachedDidDocument | undefined {
    const entry = this.#entries.get(did)
    if (!entry || this.#now() - entry.fetchedAtMs >= this.#opts.ttlMs) return undefined
    this.#entries.delete(did)
    this.#entries.set(did, entry)
    return { doc: entry.doc, fetchedAtMs: entry.fetchedAtMs, fromCache: true }
  }

  /** Fetches the document again, whatever the cache holds (joins a fetch already under way). */
  refresh(did: string): Promise<DidDocumentResult> {
    const failed = this.#failures.get(did)
    if (failed && this.#now() < failed.untilMs) return Promise.resolve(err(failed.failure))
    const pending = this.#inflight.get(did)
    if (pending) return pending
    if (this.#opts.mayLookUp && !this.#opts.mayLookUp(did)) {
      return Promise.resolve(err(authFailure('AuthenticationRequired', 'too many identity lookups, retry later')))
    }
    const fetching = this.#fetch(did).finally(() => this.#inflight.delete(did))
    this.#inflight.set(did, fetching)
    return fetching
  }

  /** Drops what is known of the DID, document and failure alike: its identity changed. */
  forget(did: string): void {
    this.#forget(did)
    this.#failures.delete(did)
  }

  async #fetch(did: string): Promise<DidDocumentResult> {
    let doc: DidDocument
    try {
      doc = await this.#opts.resolver.resolve(did as Did, { noCache: true, signal: AbortSignal.timeout(this.#opts.timeoutMs) })
    } catch (e) {
      // A DID that is gone must stop verifying tokens now, not when its cached document expires.
      if (e instanceof DocumentNotFoundError) this.#forget(did)
      const lasting = e instanceof DocumentNotFoundError || e instanceof RefusedDidWebError
      return this.#fail(did, failureOf(did, e), lasting ? undefined : (this.#opts.transientFailureTtlMs ?? TRANSIENT_FAILURE_TTL_MS))
    }
    // The resolvers return whatever the host serves; a document for another DID proves nothing.
    if (doc.id !== did) return this.#fail(did, `DID document id does not match ${did}`)
    const bytes = new TextEncoder().encode(JSON.stringify(doc)).byteLength
    if (bytes > this.#opts.maxDocumentBytes) return this.#fail(did, `DID document of ${did} is too large`)
    this.#failures.delete(did)
    const entry = { doc, fetchedAtMs: this.#now(), bytes }
    this.#forget(did)
    this.#entries.set(did, entry)
    this.#bytes += bytes
    for (const oldest of this.#entries.keys()) {
      if (this.#bytes <= this.#opts.maxBytes && this.#entries.size <= this.#opts.maxEntries) break
      this.#forget(oldest)
    }
    return ok({ doc, fetchedAtMs: entry.fetchedAtMs, fromCache: false })
  }

  #forget(did: string): void {
    const entry = this.#entries.get(did)
    if (!entry) return
    this.#entries.delete(did)
    this.#bytes -= entry.bytes
  }

  #fail(did: string, message: string, ttlMs = this.#opts.failureTtlMs): DidDocumentResult {
    const failure = authFailure('AuthenticationRequired', message)
    this.#failures.delete(did)
    if (this.#failures.size >= this.#opts.maxFailures) this.#failures.delete(this.#failures.keys().next().value!)
    this.#failures.set(did, { failure, untilMs: this.#now() + Math.min(ttlMs, this.#opts.failureTtlMs) })
    return err(failure)
  }
}

function failureOf(did: string, e: unknown): string {
  if (e instanceof RefusedDidWebError) return e.message
  if (e instanceof DocumentNotFoundError) return `unknown issuer ${did}`
  return `could not resolve issuer ${did}`
}
