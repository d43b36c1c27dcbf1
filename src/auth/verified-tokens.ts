/** What a verified service JWT proved: who signed it, for which method, and until when it holds. */
export interface VerifiedToken {
  iss: string
  did: string
  lxm: string | undefined
  /** The last moment it holds: its `exp` plus our clock leeway, capped by how long its issuer's key stays trusted. */
  untilMs: number
}

export interface VerifiedTokensOptions {
  maxEntries?: number
  /** Bound on the kept tokens' total length. */
  maxBytes?: number
  /** Longer tokens are never kept: real ones are well under 1 KiB. */
  maxTokenBytes?: number
}

// A Map entry's keys, object and bookkeeping, beyond the token text itself.
const ENTRY_OVERHEAD_BYTES = 160

/**
 * Service JWTs whose signatures verified, by their exact text, until they expire. The AppView
 * sends the same token with a viewer's requests until its `exp`, so a repeat costs a map lookup
 * instead of a secp256k1 verification. Only verified tokens get in, so a flood of forged ones
 * cannot fill it; when full, the oldest go first. Bounded by count and bytes.
 */
export class VerifiedTokens {
  readonly #kept = new Map<string, VerifiedToken>()
  readonly #maxEntries: number
  readonly #maxBytes: number
  readonly #maxTokenBytes: number
  #bytes = 0

  constructor(opts: VerifiedTokensOptions = {}) {
    this.#maxEntries = opts.maxEntries ?? 10_000
    this.#maxBytes = opts.maxBytes ?? 8 * 1024 * 1024
    this.#maxTokenBytes = opts.maxTokenBytes ?? 4096
  }

  get size(): number {
    return this.#kept.size
  }

  get bytes(): number {
    return this.#bytes
  }

  get(token: string, nowMs: number): VerifiedToken | undefined {
    const kept = this.#kept.get(token)
    if (kept === undefined || nowMs <= kept.untilMs) return kept
    this.#drop(token)
    return undefined
  }

  put(token: string, verified: VerifiedToken, nowMs: number): void {
    const size = token.length + ENTRY_OVERHEAD_BYTES
    if (token.length > this.#maxTokenBytes || size > this.#maxBytes || verified.untilMs < nowMs || this.#kept.has(token)) return
    while (this.#kept.size > 0 && (this.#kept.size >= this.#maxEntries || this.#bytes + size > this.#maxBytes)) {
      this.#drop(this.#kept.keys().next().value!)
    }
    this.#kept.set(token, verified)
    this.#bytes += size
  }

  #drop(token: string): void {
    if (this.#kept.delete(token)) this.#bytes -= token.length + ENTRY_OVERHEAD_BYTES
  }
}
