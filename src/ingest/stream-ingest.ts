import { noRejections, type RejectReason } from '../core/commit-verifier.js'
import type { RepoEvent } from '../core/events.js'
import type { Indexer } from '../core/indexer.js'
import type { Logger } from '../core/logger.js'
import type { Store } from '../core/store.js'
import { BatchQueue } from './batch-queue.js'
import type { FrameVerifier, StreamControl, StreamSource } from './stream-source.js'
import { StreamSocket } from './stream-socket.js'
import { Watermark } from './watermark.js'

/** A frame that passed stage 1, or a bare cursor mark standing for frames stage 1 dropped. */
interface Item<Raw> {
  raw?: Raw
  cursor: number | undefined
  /** Cursors from before a forgotten cursor (FutureCursor) must not be saved again. */
  epoch: number
}

export interface IngestOptions<Raw> {
  source: StreamSource<Raw>
  store: Store
  indexer: Indexer
  log: Logger
  maxBatch?: number
  maxWaitMs?: number
  highWater?: number
  /** Bytes of raw frames queued or in flight before the socket is paused. */
  highWaterBytes?: number
  /** Bytes of raw frames in one batch (one transaction's worth of decoding). */
  maxBatchBytes?: number
  /** Authors stage 1 may add between prunes of the author set before one is forced early. */
  maxNewAuthors?: number
  backoff?: { baseMs?: number; maxMs?: number }
  /**
   * Starts the stream here the first time this value is seen (ATRARIUM_START_CURSOR): a replay of
   * retained history, once; restarts then resume from the saved cursor as usual.
   */
  startCursor?: number
  /** Verifies frames that passed stage 1 before they are decoded (ATRARIUM_VERIFY_COMMITS); none: trusted. */
  verifier?: FrameVerifier<Raw>
  /** Told of each committed batch: its events and how long decoding and the transaction took. */
  onBatch?: (events: number, seconds: number) => void
}

// Frames dropped by stage 1 still advance the cursor; a mark carries them through the
// queue at most this often, so the saved cursor never passes an unfinished event.
const MARK_EVERY_MS = 1000
// In a flood of dropped frames the clock is read once per this many of them, not per frame; the
// mark timer covers a trickle.
export const MARK_CHECK_EVERY_FRAMES = 256
// The count bound alone would let 20,000 firehose frames of megabytes each pile up.
const HIGH_WATER_BYTES = 64 * 1024 * 1024
const MAX_BATCH_BYTES = 16 * 1024 * 1024
const PRUNE_AUTHORS_EVERY_MS = 3_600_000
// A spammer rotating DIDs must not grow the author set without bound between hourly prunes.
const MAX_NEW_AUTHORS = 1_000_000

// Jetstream frames are strings, firehose frames Buffers; a string's length stands in for its UTF-8 bytes.
const rawBytes = (raw: unknown): number =>
  typeof raw === 'string' ? raw.length : ((raw as { byteLength?: number }).byteLength ?? 0)

/** Stream → stage 1 → bounded batch queue → stage 2 → index, with the cursor in each batch's transaction. */
export class StreamIngest<Raw> {
  readonly stats = {
    frames: 0, passed: 0, malformed: 0, batches: 0, events: 0, controls: 0,
    /** Commits the verifier passed, and refused by reason (only with a verifier). */
    verified: 0,
    rejected: noRejections(),
  }
  private readonly source: StreamSource<Raw>
  private readonly socket: StreamSocket<Raw>
  private readonly queue: BatchQueue<Item<Raw>>
  // Authors whose posts may be indexed: their deletes and updates must pass stage 1. Seeded
  // from the index and grown at stage 1, so a delete that races its create is not lost; pruned
  // back to the index plus the authors of frames not yet committed (see pruneAuthors).
  private authors: Set<string>
  // Authors stage 1 saw since the last prune, and those of earlier spans kept until the queue has
  // committed every frame pushed before the span ended (`end`, in items pushed).
  private newAuthors = new Set<string>()
  private pendingAuthors: { dids: Set<string>; end: number }[] = []
  private pruneTimer: ReturnType<typeof setInterval> | undefined
  private readonly watermark: Watermark<Raw>
  private marked: number | undefined
  private lastMark = 0
  private droppedSinceCheck = 0
  private epoch = 0
  private markTimer: ReturnType<typeof setInterval> | undefined
  private closing: Promise<void> | undefined

  // Built once: stage 1 asks it about post deletes and updates, and a closure per frame would be garbage.
  private readonly hasIndexedAuthor = (did: string): boolean => this.authors.has(did)

  constructor(private readonly opts: IngestOptions<Raw>) {
    this.source = opts.source
    this.authors = new Set(opts.store.indexedAuthors())
    this.watermark = new Watermark((raw) => this.source.cursorOf(raw))
    this.queue = new BatchQueue<Item<Raw>>({
      maxBatch: opts.maxBatch ?? 1000,
      maxWaitMs: opts.maxWaitMs ?? 25,
      highWater: opts.highWater ?? 20_000,
      highWaterBytes: opts.highWaterBytes ?? HIGH_WATER_BYTES,
      maxBatchBytes: opts.maxBatchBytes ?? MAX_BATCH_BYTES,
      sizeOf: (item) => (item.raw === undefined ? 0 : rawBytes(item.raw)),
      process: (batch) => this.process(batch),
      onPressure: (paused) => (paused ? this.socket.pause() : this.socket.resume()),
      onError: (e, batch) => opts.log.error({ err: e, size: batch.length }, 'batch failed; retrying'),
    })
    this.socket = new StreamSocket<Raw>({
      name: this.source.name,
      url: (cursor) => this.source.url(cursor),
      fromWire: (data) => this.source.fromWire(data),
      maxMessageBytes: this.source.maxMessageBytes,
      getCursor: () => this.cursor,
      onMessage: (raw) => this.onFrame(raw),
      log: opts.log,
      ...(opts.backoff ? { backoff: opts.backoff } : {}),
    })
  }

  /** Where this stream's cursor is saved. */
  get sourceKey(): string {
    return this.source.key
  }

  /** The saved cursor; 0 is a forgotten one (see `control`), which means none. */
  get cursor(): number | undefined {
    const c = this.opts.store.getCursor(this.source.key)
    return c === undefined || c <= 0 ? undefined : c
  }

  /** Connects, disconnects, messages and oversized drops of the underlying socket. */
  get socketStats(): Readonly<StreamSocket<Raw>['stats']> {
    return this.socket.stats
  }

  /**
   * The stream's health: connected or down for how long, and the lag (now − the saved cursor's
   * time) where the cursor is a time (Jetstream's time_us); a firehose's seq says nothing of time.
   */
  streamState(nowMs = Date.now()): { connected: boolean; downForMs?: number; lagSeconds?: number } {
    const cursor = this.cursor
    const lag = this.source.name === 'jetstream' && cursor !== undefined ? Math.max(0, Math.round((nowMs * 1000 - cursor) / 1e5) / 10) : undefined
    return { ...this.socket.state, ...(lag !== undefined ? { lagSeconds: lag } : {}) }
  }

  start(): void {
    const start = this.opts.startCursor
    const appliedKey = `start:${this.source.key}`
    if (start !== undefined && this.opts.store.getCursor(appliedKey) !== start) {
      this.opts.store.transaction(() => {
        this.opts.store.setCursor(this.source.key, start)
        this.opts.store.setCursor(appliedKey, start)
      })
      this.opts.log.info({ source: this.source.key, cursor: start }, 'starting the stream from ATRARIUM_START_CURSOR')
    }
    this.socket.start()
    // When the stream goes quiet after dropped frames, still save how far it got.
    this.markTimer = setInterval(() => {
      if (this.watermark.current() !== this.marked) this.mark()
    }, MARK_EVERY_MS)
    this.markTimer.unref?.()
    this.pruneTimer = setInterval(() => this.pruneAuthors(), PRUNE_AUTHORS_EVERY_MS)
    this.pruneTimer.unref?.()
  }

  /**
   * Rebuilds the author set as the index's authors plus those of frames still queued or in flight,
   * dropping authors whose posts were deleted or purged. Runs hourly, early when stage 1 has added
   * `maxNewAuthors`, and after each retention purge on the Node host.
   */
  pruneAuthors(): void {
    // Items are committed strictly in order: the authors of a span whose end the queue has passed
    // are in the index or needed nowhere.
    const committed = this.queue.stats.items
    this.pendingAuthors.push({ dids: this.newAuthors, end: committed + this.queue.size })
    this.pendingAuthors = this.pendingAuthors.filter((span) => span.end > committed)
    this.newAuthors = new Set()
    const before = this.authors.size
    let authors: Set<string>
    try {
      // Synchronous: no batch commits between reading the index and swapping the set in.
      authors = new Set(this.opts.store.indexedAuthors())
    } catch (e) {
      // Runs from a timer and from stage 1: keeping the bigger set is safe, throwing is not.
      return this.opts.log.error({ err: e }, 'author set prune failed')
    }
    for (const span of this.pendingAuthors) for (const did of span.dids) authors.add(did)
    this.authors = authors
    this.opts.log.info({ authors: authors.size, before }, 'author set pruned')
  }

  /** Resolves once everything received so far is indexed: the processAll() of tests. */
  idle(): Promise<void> {
    return this.queue.idle()
  }

  /**
   * Stage 1 of one frame, then the watermark and the queue: the socket's message handler. Public
   * so the stage-1 benchmark offers frames to this very loop, without a socket.
   */
  onFrame(raw: Raw): void {
    this.stats.frames++
    const verdict = this.source.stage1(raw, this.hasIndexedAuthor)
    if ('control' in verdict) return this.control(verdict.control)
    if (verdict.pass) {
      this.stats.passed++
      const cursor = this.watermark.through(raw)
      this.queue.push({ raw, cursor, epoch: this.epoch })
      // After the push, so a prune this triggers counts the frame among those not yet committed.
      if (verdict.postAuthor) this.addAuthor(verdict.postAuthor)
      this.marked = cursor
      this.lastMark = Date.now()
      return
    }
    this.watermark.skip(raw)
    if (++this.droppedSinceCheck >= MARK_CHECK_EVERY_FRAMES) {
      this.droppedSinceCheck = 0
      if (Date.now() - this.lastMark >= MARK_EVERY_MS && this.watermark.current() !== undefined) this.mark()
    }
  }

  // Into both sets even when already known: an author known only from a span about to be retired
  // may have just posted again. One already in this span is in both (a prune carries the span into
  // `authors` as it empties `newAuthors`), so the common case, a member posting again, costs one
  // lookup instead of two (a probe of a large set costs 100–200 ns, on every passing frame).
  private addAuthor(did: string): void {
    if (this.newAuthors.has(did)) return
    this.authors.add(did)
    this.newAuthors.add(did)
    if (this.newAuthors.size >= (this.opts.maxNewAuthors ?? MAX_NEW_AUTHORS)) this.pruneAuthors()
  }

  private control(c: StreamControl): void {
    this.stats.controls++
    const detail = { source: this.source.key, reason: c.reason, message: c.message, cursor: this.cursor }
    if (c.action === 'continue') return this.opts.log.warn(detail, `${this.source.name} info`)
    this.opts.log.warn({ ...detail, action: c.action }, `${this.source.name} error frame; reconnecting`)
    if (c.action === 'live') {
      // Saving 0 forgets the cursor at once (a crash now resumes live too); the new epoch keeps
      // batches still queued from writing the old, too-high cursor back.
      this.epoch++
      this.watermark.reset()
      this.marked = undefined
      this.opts.store.setCursor(this.source.key, 0)
    }
    this.socket.reconnect()
  }

  private mark(): void {
    const cursor = this.watermark.current()
    this.queue.push({ cursor, epoch: this.epoch })
    this.marked = cursor
    this.lastMark = Date.now()
  }

  private async process(batch: Item<Raw>[]): Promise<void> {
    const started = performance.now()
    const raws = batch.flatMap((item) => (item.raw === undefined ? [] : [item.raw]))
    const verdicts = this.opts.verifier ? await this.opts.verifier.verifyAll(raws) : undefined
    const events: RepoEvent[] = []
    const refused: RejectReason[] = []
    let verified = 0
    let cursor: number | undefined
    let n = 0
    for (const item of batch) {
      // After the verifier's await: a forgotten cursor (FutureCursor) may have started a new epoch meanwhile.
      const current = item.epoch === this.epoch
      if (current && item.cursor !== undefined && (cursor === undefined || item.cursor > cursor)) cursor = item.cursor
      if (item.raw === undefined) continue
      const verdict = verdicts?.[n++]
      if (verdict?.outcome === 'rejected') {
        refused.push(verdict.reason)
        this.opts.log.warn({ reason: verdict.reason, detail: verdict.detail, frame: this.source.preview(item.raw) }, 'commit refused: not verified')
        continue
      }
      if (verdict?.outcome === 'verified') verified++
      const decoded = this.source.decode(item.raw)
      if (!decoded.ok) {
        this.stats.malformed++
        this.opts.log.warn({ reason: decoded.error, frame: this.source.preview(item.raw) }, 'malformed frame skipped')
        continue
      }
      events.push(...decoded.value.events)
      for (const problem of decoded.value.problems ?? []) {
        this.stats.malformed++
        this.opts.log.warn({ reason: problem, frame: this.source.preview(item.raw) }, 'malformed op skipped')
      }
    }
    // A restart replays from the saved cursor minus the rewind: those batches must not lower it
    // (SPEC §4: the cursor is the largest committed), or a crash then replays further back each time.
    const saved = this.cursor
    if (cursor !== undefined && saved !== undefined && cursor <= saved) cursor = undefined
    this.opts.indexer.applyBatch(events, cursor === undefined ? undefined : { source: this.source.key, value: cursor })
    // Counted once committed: a failed batch is retried, and verified again.
    this.stats.verified += verified
    for (const reason of refused) this.stats.rejected[reason]++
    this.opts.onBatch?.(events.length, (performance.now() - started) / 1000)
    this.stats.batches++
    this.stats.events += events.length
    if (events.length > 0) this.opts.log.info({ events: events.length, frames: batch.length, cursor }, 'batch indexed')
  }

  /** Stops reading, indexes what was received, and saves the cursor. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.markTimer)
      clearInterval(this.pruneTimer)
      await this.socket.close()
      if (this.watermark.current() !== this.marked) this.mark()
      await this.queue.close()
    })()
    return this.closing
  }
}
