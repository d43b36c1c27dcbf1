import { backoffDelayMs, type BackoffOptions } from '../core/backoff.js'
import type { RepoEvent } from '../core/events.js'
import type { Logger } from '../core/logger.js'
import { NSID } from '../core/nsid.js'
import type { Result } from '../core/result.js'
import type { JoinBackfillJob, Store } from '../core/store.js'
import type { ListedPost } from './post-listing.js'

export interface JoinBackfillOptions {
  store: Store
  log: Logger
  /** A member's posts written since `minUs`, newest first, read from their own PDS. */
  listPosts: (did: string, minUs: number) => Promise<Result<ListedPost[]>>
  /**
   * Indexes what was read, through the Indexer as the stream would (the Node host applies a batch;
   * the Workers host also reports it to the global index and the directory). Idempotent: a job
   * whose apply succeeded but whose finish was lost runs again harmlessly.
   */
  apply: (events: RepoEvent[]) => void | Promise<void>
  /** Start of the retention window (epoch µs): older posts are not read. */
  minSortUs: () => number
  nowUs?: () => number
  /** Tries per job before it is given up (6), with backoff between them. */
  maxAttempts?: number
  retry?: BackoffOptions
}

export interface JoinBackfillStats {
  /** Jobs finished, failed for now, and given up. */
  done: number
  failed: number
  dropped: number
  posts: number
}

/** What one step finished: each job with how long it waited from queued to indexed (µs). */
export interface JoinBackfillStep {
  finished: { community: string; did: string; latencyUs: number }[]
  failed: number
}

const RETRY: BackoffOptions = { baseMs: 30_000, maxMs: 3_600_000 }
const APPLY_CHUNK = 500

/**
 * Join backfill (issue #13): when someone becomes a member, the posts the stream never delivered
 * (written before the service ran, or while it was down beyond the stream's replay) are read from
 * their PDS and indexed. Jobs live in the store, so they survive restarts; a host runs steps when
 * jobs are due (Node: a timer, Workers: the community object's alarm). One fetch serves every
 * community the author joined; posts the stream deleted during the fetch stay deleted (the
 * Indexer's tombstones).
 */
export class JoinBackfiller {
  readonly stats: JoinBackfillStats = { done: 0, failed: 0, dropped: 0, posts: 0 }
  readonly #o: JoinBackfillOptions
  readonly #now: () => number

  constructor(o: JoinBackfillOptions) {
    this.#o = o
    this.#now = o.nowUs ?? (() => Date.now() * 1000)
  }

  /** Jobs waiting, due or not. */
  pending(): number {
    return this.#o.store.joinBackfillCount()
  }

  /** When the next step has work (epoch µs), or undefined when the queue is empty. */
  nextDueUs(): number | undefined {
    return this.#o.store.nextJoinBackfillUs()
  }

  /** Reads and indexes the posts of up to `authors` members whose jobs are due, concurrently. */
  async step(authors = 4): Promise<JoinBackfillStep> {
    const byDid = new Map<string, JoinBackfillJob[]>()
    for (const job of this.#o.store.dueJoinBackfills(this.#now(), authors * 4)) {
      if (!byDid.has(job.did) && byDid.size >= authors) continue
      byDid.set(job.did, [...(byDid.get(job.did) ?? []), job])
    }
    const out: JoinBackfillStep = { finished: [], failed: 0 }
    await Promise.all([...byDid].map(async ([did, jobs]) => {
      const ok = await this.#run(did, jobs)
      if (!ok) out.failed++
      else for (const j of jobs) out.finished.push({ community: j.community, did, latencyUs: this.#now() - j.queuedUs })
    }))
    return out
  }

  async #run(did: string, jobs: JoinBackfillJob[]): Promise<boolean> {
    const { store, log } = this.#o
    let posts: Result<ListedPost[]>
    try {
      posts = await this.#o.listPosts(did, this.#o.minSortUs())
    } catch (e) {
      posts = { ok: false, error: e instanceof Error ? e.message : String(e) }
    }
    if (posts.ok) {
      const nowUs = this.#now()
      const events: RepoEvent[] = posts.value.map((p) => ({ op: 'create', did, collection: NSID.post, rkey: p.rkey, record: p.record, timeUs: nowUs, cursor: 0, backfill: true }))
      try {
        for (let i = 0; i < events.length; i += APPLY_CHUNK) await this.#o.apply(events.slice(i, i + APPLY_CHUNK))
        store.transaction(() => jobs.forEach((j) => store.finishJoinBackfill(j.community, did)))
        this.stats.done += jobs.length
        this.stats.posts += events.length
        return true
      } catch (e) {
        posts = { ok: false, error: e instanceof Error ? e.message : String(e) }
      }
    }
    const attempts = Math.max(...jobs.map((j) => j.attempts)) + 1
    if (attempts >= (this.#o.maxAttempts ?? 6)) {
      store.transaction(() => jobs.forEach((j) => store.finishJoinBackfill(j.community, did)))
      this.stats.dropped += jobs.length
      log.warn({ did, attempts, err: posts.error }, 'join backfill given up')
      return false
    }
    const dueUs = this.#now() + backoffDelayMs(attempts - 1, this.#o.retry ?? RETRY) * 1000
    store.transaction(() => jobs.forEach((j) => store.retryJoinBackfill(j.community, did, dueUs)))
    this.stats.failed++
    log.warn({ did, attempts, err: posts.error }, 'join backfill failed; retrying later')
    return false
  }
}
