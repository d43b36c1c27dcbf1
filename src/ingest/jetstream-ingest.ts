import type { RepoEvent } from '../core/events.js'
import type { Indexer } from '../core/indexer.js'
import { parseJetstreamFrame } from '../core/jetstream-frame.js'
import type { Logger } from '../core/logger.js'
import { NSID, WANTED_COLLECTIONS } from '../core/nsid.js'
import { passesPrefilter, peekDid, peekTimeUs } from '../core/prefilter.js'
import type { Store } from '../core/store.js'
import { BatchQueue } from './batch-queue.js'
import { JetstreamClient } from './jetstream-client.js'

/** A frame that passed stage 1, or a bare cursor mark standing for frames stage 1 dropped. */
interface Item {
  raw?: string
  cursor: number | undefined
}

export interface IngestOptions {
  url: string
  store: Store
  indexer: Indexer
  log: Logger
  source?: string
  maxBatch?: number
  maxWaitMs?: number
  highWater?: number
}

const COLLECTIONS = new Set<string>(WANTED_COLLECTIONS)
// Frames dropped by stage 1 still advance the cursor; a mark carries them through the
// queue at most this often, so the saved cursor never passes an unfinished event.
const MARK_EVERY_MS = 1000

/** Jetstream → stage 1 → bounded batch queue → stage 2 → index, with the cursor in each batch's transaction. */
export class JetstreamIngest {
  readonly stats = { frames: 0, passed: 0, malformed: 0, batches: 0, events: 0 }
  private readonly source: string
  private readonly client: JetstreamClient
  private readonly queue: BatchQueue<Item>
  // Authors whose posts may be indexed: their deletes and updates must pass stage 1. Seeded
  // from the index and grown at stage 1, so a delete that races its create is not lost.
  private readonly authors: Set<string>
  private watermark: number | undefined
  private marked: number | undefined
  private lastMark = 0
  private markTimer: ReturnType<typeof setInterval> | undefined
  private closing: Promise<void> | undefined

  constructor(private readonly opts: IngestOptions) {
    this.source = opts.source ?? 'jetstream'
    this.authors = new Set(opts.store.indexedAuthors())
    this.queue = new BatchQueue<Item>({
      maxBatch: opts.maxBatch ?? 1000,
      maxWaitMs: opts.maxWaitMs ?? 25,
      highWater: opts.highWater ?? 20_000,
      process: async (batch) => this.process(batch),
      onPressure: (paused) => (paused ? this.client.pause() : this.client.resume()),
      onError: (e, batch) => opts.log.error({ err: e, size: batch.length }, 'batch failed; retrying'),
    })
    this.client = new JetstreamClient({
      url: opts.url,
      wantedCollections: WANTED_COLLECTIONS,
      getCursor: () => opts.store.getCursor(this.source),
      onMessage: (raw) => this.onFrame(raw),
      log: opts.log,
    })
  }

  get cursor(): number | undefined {
    return this.opts.store.getCursor(this.source)
  }

  start(): void {
    this.client.start()
    // When the stream goes quiet after dropped frames, still save how far it got.
    this.markTimer = setInterval(() => {
      if (this.watermark !== this.marked) this.mark()
    }, MARK_EVERY_MS)
    this.markTimer.unref?.()
  }

  /** Resolves once everything received so far is indexed: the processAll() of tests. */
  idle(): Promise<void> {
    return this.queue.idle()
  }

  private onFrame(raw: string): void {
    this.stats.frames++
    const t = peekTimeUs(raw)
    if (t !== undefined && (this.watermark === undefined || t > this.watermark)) this.watermark = t
    if (passesPrefilter(raw, (did) => this.authors.has(did))) {
      this.stats.passed++
      if (raw.includes(`"${NSID.post}"`)) {
        const did = peekDid(raw)
        if (did) this.authors.add(did)
      }
      this.queue.push({ raw, cursor: this.watermark })
      this.marked = this.watermark
      this.lastMark = Date.now()
    } else if (this.watermark !== undefined && Date.now() - this.lastMark >= MARK_EVERY_MS) {
      this.mark()
    }
  }

  private mark(): void {
    this.queue.push({ cursor: this.watermark })
    this.marked = this.watermark
    this.lastMark = Date.now()
  }

  private process(batch: Item[]): void {
    const events: RepoEvent[] = []
    let cursor: number | undefined
    for (const item of batch) {
      if (item.cursor !== undefined && (cursor === undefined || item.cursor > cursor)) cursor = item.cursor
      if (item.raw === undefined) continue
      const parsed = parseJetstreamFrame(item.raw, COLLECTIONS)
      if (!parsed.ok) {
        this.stats.malformed++
        this.opts.log.warn({ reason: parsed.error, frame: item.raw.slice(0, 200) }, 'malformed frame skipped')
      } else if (parsed.value) {
        events.push(parsed.value)
      }
    }
    this.opts.indexer.applyBatch(events, cursor === undefined ? undefined : { source: this.source, value: cursor })
    this.stats.batches++
    this.stats.events += events.length
    if (events.length > 0) this.opts.log.info({ events: events.length, frames: batch.length, cursor }, 'batch indexed')
  }

  /** Stops reading, indexes what was received, and saves the cursor. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.markTimer)
      await this.client.close()
      if (this.watermark !== this.marked) this.mark()
      await this.queue.close()
    })()
    return this.closing
  }
}
