import type { Indexer } from '../core/indexer.js'
import { backoffDelayMs } from '../core/backoff.js'
import type { Logger } from '../core/logger.js'
import type { Store } from '../core/store.js'
import type { Identity } from '../cli/identity.js'
import { BackfillState } from '../cli/backfill/backfill-state.js'
import type { Progress } from '../cli/backfill/progress.js'
import { relaySource } from '../backfill/repo-listing.js'
import { runBackfill } from '../cli/backfill/run-backfill.js'
import type { SqlDriver } from '../store/sql-driver.js'

export interface FirstStartStatus {
  state: 'off' | 'skipped' | 'running' | 'retrying' | 'done' | 'stopped'
  relay?: string
  repos?: { done: number; total: number }
  posts?: number
  failures?: number
  error?: string
  attempts: number
}

export interface FirstStartOptions {
  /** The relay whose listReposByCollection names the repos; empty: never backfill. */
  relay: string
  driver: SqlDriver
  store: Store
  indexer: Indexer
  identity: Identity
  /** How PDSs are reached (pinned to public addresses outside tests and the demo). */
  fetch: typeof fetch
  log: Logger
  concurrency?: number
}

const RETRY = { baseMs: 2_000, maxMs: 300_000 }

/**
 * On an empty index, the Node host rebuilds records and members' recent posts from a relay while the
 * live stream runs (issue #13): the same backfill as `atrarium backfill --relay`, in the background,
 * in small transactions, so neither the stream nor the API waits on it. Offline it retries with
 * backoff; a restart resumes a run in progress. Its progress is in /xrpc/_health.
 */
export class FirstStartBackfill {
  readonly status: FirstStartStatus = { state: 'off', attempts: 0 }
  #closed = false
  #timer: NodeJS.Timeout | undefined
  #wake: (() => void) | undefined
  #running: Promise<void> | undefined

  constructor(private readonly o: FirstStartOptions) {}

  /** Decides before the stream writes anything: an index with communities or a cursor is not new. */
  start(sourceCursorKey: string): void {
    if (this.o.relay === '') return
    const state = new BackfillState(this.o.driver, relaySource(this.o.relay).key)
    const empty = this.o.store.communitiesPage({ limit: 1 }).length === 0 && this.o.store.getCursor(sourceCursorKey) === undefined
    if (!empty && !state.inProgress()) {
      this.status.state = 'skipped'
      return
    }
    this.status.relay = this.o.relay
    this.#running = this.#loop(state)
  }

  async #loop(state: BackfillState): Promise<void> {
    const progress: Progress = {
      start: (total, done) => void (this.status.repos = { total, done }),
      tick: (failed) => {
        if (this.status.repos) this.status.repos.done++
        if (failed) this.status.failures = (this.status.failures ?? 0) + 1
      },
      note: (message) => this.o.log.warn({ message }, 'first-start backfill'),
      finish: () => {},
    }
    while (!this.#closed) {
      this.status.state = 'running'
      this.status.attempts++
      const result = await runBackfill({
        source: relaySource(this.o.relay), state, indexer: this.o.indexer, store: this.o.store, identity: this.o.identity,
        progress, concurrency: this.o.concurrency ?? 8, fetch: this.o.fetch, interrupted: () => this.#closed,
      }).catch((e: unknown) => ({ ok: false as const, error: e instanceof Error ? e.message : String(e) }))
      if (this.#closed) break
      if (result.ok) {
        // Repos or members that failed are logged and left to the stream: the stream brings them
        // as soon as they write, and `atrarium backfill` retries them on demand.
        this.status.posts = result.value.posts.read
        this.status.failures = result.value.repos.failed.length + result.value.posts.failed.length
        this.status.state = 'done'
        delete this.status.error
        state.clear()
        this.o.log.info({ repos: result.value.repos, posts: result.value.posts.read }, 'first-start backfill done')
        return
      }
      this.status.state = 'retrying'
      this.status.error = result.error
      const delayMs = backoffDelayMs(this.status.attempts - 1, RETRY)
      this.o.log.warn({ err: result.error, delayMs }, 'first-start backfill failed; retrying')
      await new Promise<void>((resolve) => {
        this.#wake = resolve
        this.#timer = setTimeout(resolve, delayMs)
      })
    }
    this.status.state = 'stopped'
  }

  async close(): Promise<void> {
    this.#closed = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#wake?.()
    await this.#running
  }
}
