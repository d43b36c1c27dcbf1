/**
 * A token bucket: `burst` tokens, refilled at `perSec`. Bounds how often the verifier may ask the
 * network for a DID document, whatever tokens it is sent.
 */
export class TokenBucket {
  readonly #perSec: number
  readonly #burst: number
  readonly #now: () => number
  #tokens: number
  #atMs: number

  constructor(opts: { perSec: number; burst: number; now?: () => number }) {
    this.#perSec = opts.perSec
    this.#burst = opts.burst
    this.#now = opts.now ?? Date.now
    this.#tokens = opts.burst
    this.#atMs = this.#now()
  }

  /** Takes a token if one is left. */
  take(): boolean {
    const now = this.#now()
    // max(0, …): a clock that steps back must not drain the bucket.
    this.#tokens = Math.min(this.#burst, this.#tokens + (Math.max(0, now - this.#atMs) * this.#perSec) / 1000)
    this.#atMs = now
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}
