import { type Logger, silentLogger } from '../core/logger.js'
import { Watermark } from '../ingest/watermark.js'
import { backoffDelayMs, type BackoffOptions } from '../core/backoff.js'
import { chunkForSendBatch, fitsQueueMessage, MESSAGE_TARGET_BYTES, packFrames, utf8ByteLength } from './queue-limits.js'

export interface ReceiverBufferOptions<Raw> {
  /** A frame's stream position (the source's cursorOf), read only when the buffer needs it. */
  cursorOf: (raw: Raw) => number | undefined
  /** One sendBatch call: each body becomes one queue message (frames packed). Chunks respect the limits. */
  send: (bodies: string[]) => Promise<void>
  /** Durable write of the stream cursor; called only after every message before it was sent. */
  saveCursor: (cursor: number) => void | Promise<void>
  /** The cursor already saved, so an idle restart does not save it again. */
  savedCursor?: number
  /** Frames per batch; default 1,000 (a batch is cut sooner when its frames fill a message). */
  maxFrames?: number
  /**
   * How long a queued frame may wait for its batch to fill; default 2 s. A flush is one message of
   * up to 64 KB, three queue operations, so the wait is what the queue costs per event.
   */
  maxWaitMs?: number
  /**
   * How often a cursor advanced only by dropped frames is saved; default 5 s (a row written each
   * time; a restart replays at most this much more of the stream).
   */
  markEveryMs?: number
  /** Buffered frames beyond which `overloaded` turns true; default 10 000. */
  highWater?: number
  retry?: BackoffOptions
  log?: Logger
}

interface Batch {
  chunks: string[][]
  frames: number
  /** Chunks before this index have been sent; a retry resumes here so none is sent twice. */
  next: number
  cursor: number | undefined
}

/**
 * Batches stage-1 survivors for the queue and owns the stream cursor. A batch's cursor is the
 * largest time_us seen up to its last frame, or up to the cut when it empties the buffer (dropped
 * frames included); it is saved only once that batch has been sent, so it never passes an event the
 * queue does not hold. One batch is in flight at a time
 * and a failed one is retried as is, which keeps order. Nothing here is durable: if the object dies,
 * the saved cursor is behind everything buffered and the stream replays it.
 */
export class ReceiverBuffer<Raw> {
  /** `sent` counts queue messages; `framesSent` the frames packed in them. */
  readonly stats = { frames: 0, queued: 0, sent: 0, framesSent: 0, tooLarge: 0, batches: 0, sendFailures: 0 }
  readonly #o: Required<Omit<ReceiverBufferOptions<Raw>, 'savedCursor' | 'log' | 'cursorOf'>> & { log: Logger }
  // `mark` is the watermark just after the frame: a batch that leaves frames behind may not claim more.
  #pending: { body: string; bytes: number; mark: number | undefined }[] = []
  #pendingBytes = 0
  /** The stream position, as the Node host's ingest keeps it: a dropped frame's cursor is read only when needed. */
  readonly #watermark: Watermark<Raw>
  /** A frame came since the last cut: a mark may be due. */
  #moved = false
  #cut: number | undefined
  #saved: number | undefined
  #inFlight: Batch | undefined
  #attempt = 0
  #firstPendingAt = 0
  #lastCutAt = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  #timerDue = 0
  #closed = false

  constructor(opts: ReceiverBufferOptions<Raw>) {
    this.#o = {
      send: opts.send,
      saveCursor: opts.saveCursor,
      maxFrames: opts.maxFrames ?? 1000,
      maxWaitMs: opts.maxWaitMs ?? 2000,
      markEveryMs: opts.markEveryMs ?? 5000,
      highWater: opts.highWater ?? 10_000,
      retry: opts.retry ?? { baseMs: 500, maxMs: 30_000 },
      log: opts.log ?? silentLogger,
    }
    this.#watermark = new Watermark(opts.cursorOf)
    this.#watermark.rewind(opts.savedCursor)
    this.#saved = this.#cut = opts.savedCursor
    this.#lastCutAt = Date.now()
  }

  /** The last cursor saved by this buffer (or given at construction). */
  get savedCursor(): number | undefined {
    return this.#saved
  }

  get pending(): number {
    return this.#pending.length
  }

  get inFlight(): boolean {
    return this.#inFlight !== undefined
  }

  /** True when the queue is not keeping up; the owner should stop reading (and may discard). */
  get overloaded(): boolean {
    return this.#pending.length >= this.#o.highWater
  }

  /** One frame from the stream, and the queue bodies it makes: none when stage 1 dropped it. */
  push(frame: Raw, bodies: readonly string[]): void {
    if (this.#closed) return
    this.stats.frames++
    this.#moved = true
    if (bodies.length === 0) {
      this.#watermark.skip(frame)
      return this.#arm()
    }
    const mark = this.#watermark.through(frame)
    for (const body of bodies) {
      const bytes = utf8ByteLength(body)
      if (!fitsQueueMessage(bytes)) {
        this.stats.tooLarge++
        this.#o.log.warn({ bytes, cursor: mark }, 'frame larger than a queue message dropped')
        continue
      }
      if (this.#pending.length === 0) this.#firstPendingAt = Date.now()
      this.#pending.push({ body, bytes, mark })
      this.#pendingBytes += bytes
      this.stats.queued++
    }
    this.#arm()
  }

  /**
   * Forgets frames not yet in a batch, e.g. when the owner stops reading and will replay from the
   * saved cursor. The watermark falls back to the last cut so it no longer covers what was forgotten.
   */
  discardPending(): number {
    const n = this.#pending.length
    this.#pending = []
    this.#pendingBytes = 0
    this.#watermark.rewind(this.#cut)
    this.#moved = false
    return n
  }

  /** Forgets the stream position entirely (the stream asked to start over from the live tail). */
  forgetCursor(): void {
    this.#saved = this.#cut = undefined
    this.#watermark.reset()
    this.#moved = false
  }

  /** Cuts a batch now instead of waiting for the timer (no-op while one is in flight). */
  flush(): void {
    this.#cutAndSend()
  }

  close(): void {
    this.#closed = true
    this.#clearTimer()
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #arm(): void {
    if (this.#closed || this.#inFlight) return
    let due: number | undefined
    if (this.#pending.length >= this.#o.maxFrames || this.#pendingBytes >= MESSAGE_TARGET_BYTES) due = 0
    else if (this.#pending.length > 0) due = this.#firstPendingAt + this.#o.maxWaitMs
    else if (this.#moved) due = this.#lastCutAt + this.#o.markEveryMs
    if (due === undefined || (this.#timer !== undefined && this.#timerDue <= due)) return
    this.#clearTimer()
    this.#timerDue = due
    this.#timer = setTimeout(() => this.#cutAndSend(), Math.max(0, due - Date.now()))
  }

  #cutAndSend(): void {
    this.#clearTimer()
    if (this.#closed || this.#inFlight) return
    if (this.#pending.length === 0 && (!this.#moved || this.#watermark.current() === this.#cut)) {
      this.#moved = false
      return
    }
    const bodies = this.#pending.splice(0, this.#o.maxFrames)
    for (const b of bodies) this.#pendingBytes -= b.bytes
    // Taking everything, the batch also covers frames dropped since its last one.
    const cursor = this.#pending.length === 0 ? this.#watermark.current() : bodies[bodies.length - 1]!.mark
    if (this.#pending.length === 0) this.#moved = false
    this.#firstPendingAt = this.#lastCutAt = Date.now()
    this.#cut = cursor
    this.#inFlight = { chunks: chunkForSendBatch(packFrames(bodies)), frames: bodies.length, next: 0, cursor }
    void this.#attemptSend(this.#inFlight)
  }

  async #attemptSend(b: Batch): Promise<void> {
    if (this.#closed) return
    try {
      for (; b.next < b.chunks.length; b.next++) {
        const chunk = b.chunks[b.next]!
        await this.#o.send(chunk)
        this.stats.sent += chunk.length
      }
      this.stats.framesSent += b.frames
      if (b.cursor !== undefined && (this.#saved === undefined || b.cursor > this.#saved)) {
        await this.#o.saveCursor(b.cursor)
        this.#saved = b.cursor
      }
    } catch (err) {
      this.stats.sendFailures++
      if (this.#closed) return
      const delayMs = backoffDelayMs(this.#attempt++, this.#o.retry)
      this.#o.log.warn({ err, attempt: this.#attempt, delayMs, cursor: b.cursor }, 'queue send failed; retrying batch')
      setTimeout(() => void this.#attemptSend(b), delayMs)
      return
    }
    this.stats.batches++
    this.#attempt = 0
    this.#inFlight = undefined
    this.#arm()
  }
}
