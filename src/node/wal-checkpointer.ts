import { Worker } from 'node:worker_threads'
import type { Logger } from '../core/logger.js'
import type { SqliteDriver } from '../store/sqlite-driver.js'

const WORKER = new URL('./wal-checkpoint-worker.mjs', import.meta.url)
const STOP_GRACE_MS = 5_000

/**
 * Moves WAL checkpoints off the event loop: the main connection stops checkpointing
 * (`wal_autocheckpoint = 0`) and a worker thread checkpoints every `intervalMs` instead. Should the
 * worker fail, the main connection checkpoints again, so the WAL never grows without bound.
 */
export class WalCheckpointer {
  #worker: Worker | undefined
  #closing: Promise<void> | undefined
  #autoPages = 0

  constructor(private readonly deps: { driver: SqliteDriver; log: Logger; intervalMs?: number }) {}

  start(): void {
    const { db } = this.deps.driver
    if (this.#worker || this.#closing || db.memory) return
    this.#autoPages = db.pragma('wal_autocheckpoint', { simple: true }) as number
    const worker = new Worker(WORKER, { workerData: { file: db.name, intervalMs: this.deps.intervalMs ?? 250 } })
    this.#worker = worker
    db.pragma('wal_autocheckpoint = 0')
    worker.on('error', (err) => this.deps.log.error({ err }, 'WAL checkpoint worker failed'))
    worker.on('exit', () => {
      this.#worker = undefined
      if (this.#closing) return
      this.deps.log.warn({}, 'WAL checkpoint worker stopped; checkpointing on the main connection again')
      this.#restore()
    })
  }

  /** Stops the worker after a last checkpoint; the main connection checkpoints again after it. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const worker = this.#worker
      if (worker) {
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
        const grace = setTimeout(() => void worker.terminate(), STOP_GRACE_MS)
        worker.postMessage('stop')
        await exited
        clearTimeout(grace)
      }
      this.#restore()
    })()
    return this.#closing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  #restore(): void {
    const { db } = this.deps.driver
    if (db.open && this.#autoPages > 0) db.pragma(`wal_autocheckpoint = ${this.#autoPages}`)
  }
}
