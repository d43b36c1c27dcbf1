/**
 * Configs, a community's members, and whether it has any moderation action are read for every post
 * indexed or feed request, and change rarely. Lookups (misses too) are kept until this store writes
 * a config, membership or action, a transaction fails (it may have written one), or another connection
 * commits (the driver's data version moves). Bounded, as posts can name any number of made-up ids.
 */
export class ReadCache {
  private readonly entries = new Map<string, unknown>()
  private version: number | undefined
  private depth = 0
  private checkedInTransaction = false

  constructor(private readonly dataVersion: (() => number) | undefined) {}

  /**
   * Runs `fn` as one transaction: another connection's commit cannot show inside it (SQLite reads
   * from one snapshot until it ends), so the data version is read once in it, not on every lookup.
   */
  within<T>(fn: () => T): T {
    this.depth++
    try {
      return fn()
    } finally {
      if (--this.depth === 0) this.checkedInTransaction = false
    }
  }

  get<T>(key: string, load: () => T): T {
    if (!this.checkedInTransaction) {
      const version = this.dataVersion?.()
      if (version !== this.version) {
        this.entries.clear()
        this.version = version
      }
      this.checkedInTransaction = this.depth > 0
    }
    if (this.entries.has(key)) return this.entries.get(key) as T
    const value = load()
    if (this.entries.size >= 10_000) this.entries.clear()
    this.entries.set(key, value)
    return value
  }

  clear(): void {
    this.entries.clear()
  }

  /** Drops one entry: cheaper than `forget` where a write touches one known key. */
  delete(key: string): void {
    this.entries.delete(key)
  }

  forget(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key)
  }
}
