import type { Logger } from '../core/logger.js'
import { purgeChunk, purgedFull } from '../core/retention.js'
import type { Store } from '../core/store.js'

// A feed request that arrives mid-chunk waits for it: 500 rows keep that wait to a few milliseconds.
const CHUNK = 500
const HOUR_MS = 3_600_000

/**
 * Removes posts that left the retention window (SPEC §4), and the other expired rows (see
 * purgeChunk). Deletes in small chunks and yields between them, so feed requests keep being served
 * during a large purge.
 */
export class RetentionJob {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<number> | undefined

  constructor(
    private readonly deps: {
      store: Store
      log: Logger
      minSortUs: () => number
      /** Epoch microseconds. */
      nowUs?: () => number
      intervalMs?: number
      /** Runs after a pass that removed posts, e.g. to forget their authors at ingest's stage 1. */
      afterPurge?: () => void
    },
  ) {}

  start(): void {
    const every = this.deps.intervalMs ?? HOUR_MS
    this.timer = setInterval(() => void this.run(), every)
    this.timer.unref()
    void this.run()
  }

  /** One purge pass; concurrent calls share the pass in progress. */
  run(): Promise<number> {
    this.running ??= this.purge().finally(() => (this.running = undefined))
    return this.running
  }

  private async purge(): Promise<number> {
    const now = { nowUs: this.deps.nowUs?.() ?? Date.now() * 1000, minSortUs: this.deps.minSortUs() }
    let total = 0
    let others = 0
    try {
      for (let more = true; more; ) {
        const n = purgeChunk(this.deps.store, now, CHUNK)
        total += n.posts
        others += n.orphans + n.accounts + n.tombstones + n.showLess
        more = purgedFull(n, CHUNK)
        await new Promise((r) => setImmediate(r))
      }
      if (total > 0 || others > 0) this.deps.log.info({ purged: total, expired: others }, 'retention purge')
      if (total > 0) this.deps.afterPurge?.()
    } catch (e) {
      this.deps.log.error({ err: e }, 'retention purge failed')
    }
    return total
  }

  async close(): Promise<void> {
    clearInterval(this.timer)
    await this.running
  }
}
