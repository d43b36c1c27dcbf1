import type { JoinBackfiller } from '../backfill/join-backfill.js'
import type { Logger } from '../core/logger.js'

const POLL_MS = 250
/** Authors read at once: enough that one PDS's request rate, not the step, is what bounds a burst. */
const AUTHORS_PER_STEP = 8

/**
 * Runs join-backfill steps on the Node host whenever jobs are due: checks the queue four times a second
 * (one indexed MIN), works through what is due a few authors at a time, and never blocks the
 * stream or the API (each step is a fetch, then one short transaction per 500 posts).
 */
export class JoinBackfillJob {
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #closed = false
  /** Each finished job's wait from queued to indexed (µs), the latest 1,000: for the benchmark. */
  readonly latenciesUs: number[] = []

  constructor(private readonly o: { backfiller: JoinBackfiller; log: Logger; authorsPerStep?: number; pollMs?: number }) {}

  start(): void {
    this.#timer = setInterval(() => void this.run(), this.o.pollMs ?? POLL_MS)
    this.#timer.unref()
  }

  get status(): { pending: number } & JoinBackfiller['stats'] {
    return { pending: this.o.backfiller.pending(), ...this.o.backfiller.stats }
  }

  /** Works until nothing is due; concurrent calls share the run in progress. */
  run(): Promise<void> {
    this.#running ??= this.#drain().finally(() => (this.#running = undefined))
    return this.#running
  }

  async #drain(): Promise<void> {
    try {
      while (!this.#closed) {
        const due = this.o.backfiller.nextDueUs()
        if (due === undefined || due > Date.now() * 1000) return
        const step = await this.o.backfiller.step(this.o.authorsPerStep ?? AUTHORS_PER_STEP)
        for (const f of step.finished) this.latenciesUs.push(f.latencyUs)
        if (this.latenciesUs.length > 1000) this.latenciesUs.splice(0, this.latenciesUs.length - 1000)
        // Everything due failed: leave it to its backoff rather than spin on it.
        if (step.finished.length === 0) return
      }
    } catch (e) {
      this.o.log.error({ err: e }, 'join backfill step failed')
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#timer)
    await this.#running
  }
}
