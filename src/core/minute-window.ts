/**
 * Counts over the last minute, in one-second buckets: how a health check tells "events in the last
 * minute" without keeping every event's time. Bounded memory: 60 buckets per counter.
 */
export class MinuteWindow<K extends string> {
  readonly #buckets = new Map<K, Float64Array>()
  readonly #stamps = new Float64Array(60)

  add(key: K, n: number, nowMs: number): void {
    const second = Math.floor(nowMs / 1000)
    const i = second % 60
    if (this.#stamps[i] !== second) {
      this.#stamps[i] = second
      for (const b of this.#buckets.values()) b[i] = 0
    }
    let b = this.#buckets.get(key)
    if (!b) this.#buckets.set(key, (b = new Float64Array(60)))
    b[i]! += n
  }

  /** The sum of the last 60 seconds, `nowMs`'s included. */
  total(key: K, nowMs: number): number {
    const now = Math.floor(nowMs / 1000)
    const b = this.#buckets.get(key)
    if (!b) return 0
    let sum = 0
    for (let i = 0; i < 60; i++) if (now - this.#stamps[i]! < 60) sum += b[i]!
    return sum
  }
}
