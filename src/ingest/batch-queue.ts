/**
 * Bounded batching queue feeding exactly one async consumer, strictly in order.
 * Memory is bounded, in items and optionally in bytes, by the caller reacting to onPressure
 * (pausing its source); the queue itself never drops or reorders items, even when `process` fails.
 */
export interface BatchQueueOptions<T> {
  maxBatch: number
  maxWaitMs: number
  highWater: number
  /** Defaults to floor(highWater / 2). */
  lowWater?: number
  /** An item's size in bytes (an estimate will do); the byte bounds below count nothing without it. */
  sizeOf?: (item: T) => number
  /**
   * Pressure also turns on at this many bytes queued or in flight, and off once both the count and
   * the bytes are at or below their low water (here floor(highWaterBytes / 2)). Default: no byte bound.
   */
  highWaterBytes?: number
  /** A batch stops growing before it would pass this many bytes; one item alone may. Default: no bound. */
  maxBatchBytes?: number
  process: (batch: T[]) => Promise<void>
  onPressure?: (paused: boolean) => void
  onError?: (err: unknown, batch: T[]) => void
  /** Backoff between retries of a failed batch. Defaults: 250 ms doubling up to 30 s. */
  retry?: { baseMs?: number; maxMs?: number }
}

export interface BatchQueueStats {
  batches: number
  items: number
  maxQueued: number
}

export class BatchQueue<T> {
  readonly stats: BatchQueueStats = { batches: 0, items: 0, maxQueued: 0 }
  readonly #opts: BatchQueueOptions<T>
  readonly #lowWater: number
  readonly #sizeOf: ((item: T) => number) | undefined
  readonly #highWaterBytes: number
  readonly #lowWaterBytes: number
  readonly #maxBatchBytes: number
  readonly #retry: { baseMs: number; maxMs: number }
  // Arrival time per item so maxWaitMs is measured from the first item of each batch,
  // even when that item sat behind a slow in-flight batch.
  #queue: { item: T; at: number; bytes: number }[] = []
  #current: T[] | undefined
  #waitingBytes = 0
  #currentBytes = 0
  #pushed = 0
  #cut = 0
  #done = 0
  #flushUpTo = 0
  #failures = 0
  #pressured = false
  #closed = false
  #closing: Promise<void> | undefined
  #waitTimer: NodeJS.Timeout | undefined
  #waiters: { target: number; resolve: () => void }[] = []

  constructor(opts: BatchQueueOptions<T>) {
    const lowWater = opts.lowWater ?? Math.floor(opts.highWater / 2)
    if (!(opts.maxBatch >= 1)) throw new RangeError('maxBatch must be >= 1')
    if (!(opts.maxWaitMs >= 0)) throw new RangeError('maxWaitMs must be >= 0')
    if (!(opts.highWater >= 1)) throw new RangeError('highWater must be >= 1')
    if (!(lowWater >= 0 && lowWater < opts.highWater)) throw new RangeError('lowWater must be in [0, highWater)')
    if (!((opts.highWaterBytes ?? 1) >= 1)) throw new RangeError('highWaterBytes must be >= 1')
    if (!((opts.maxBatchBytes ?? 1) >= 1)) throw new RangeError('maxBatchBytes must be >= 1')
    const byteBound = opts.highWaterBytes !== undefined || opts.maxBatchBytes !== undefined
    if (byteBound && !opts.sizeOf) throw new RangeError('a byte bound needs sizeOf')
    this.#opts = opts
    this.#lowWater = lowWater
    this.#sizeOf = opts.sizeOf
    this.#highWaterBytes = opts.highWaterBytes ?? Infinity
    this.#lowWaterBytes = Math.floor(this.#highWaterBytes / 2)
    this.#maxBatchBytes = opts.maxBatchBytes ?? Infinity
    this.#retry = { baseMs: opts.retry?.baseMs ?? 250, maxMs: opts.retry?.maxMs ?? 30_000 }
  }

  /** Items pushed and not yet successfully processed (waiting plus in flight). */
  get size(): number {
    return this.#pushed - this.#done
  }

  /** Bytes (by sizeOf) of the items counted in `size`. */
  get bytes(): number {
    return this.#waitingBytes + this.#currentBytes
  }

  push(item: T): void {
    if (this.#closed) throw new Error('BatchQueue is closed')
    const bytes = this.#sizeOf?.(item) ?? 0
    this.#queue.push({ item, at: performance.now(), bytes })
    this.#pushed++
    this.#waitingBytes += bytes
    if (this.size > this.stats.maxQueued) this.stats.maxQueued = this.size
    if (!this.#pressured && (this.size >= this.#opts.highWater || this.bytes >= this.#highWaterBytes)) {
      this.#pressured = true
      this.#opts.onPressure?.(true)
    }
    this.#pump()
  }

  /**
   * Processes everything pushed so far, ignoring maxWaitMs, and resolves once it is done.
   * Because failed batches are retried rather than dropped, this waits as long as `process` keeps failing.
   */
  flush(): Promise<void> {
    this.#flushUpTo = this.#pushed
    const done = this.#waitFor(this.#pushed)
    this.#pump()
    return done
  }

  /** Resolves when nothing is queued or in flight; does not hurry the wait timer. */
  idle(): Promise<void> {
    return this.#waitFor(-1)
  }

  close(): Promise<void> {
    this.#closed = true
    this.#closing ??= this.flush().then(() => clearTimeout(this.#waitTimer))
    return this.#closing
  }

  // target -1 means "idle"; otherwise "this many items done".
  #waitFor(target: number): Promise<void> {
    return new Promise((resolve) => {
      this.#waiters.push({ target, resolve })
      this.#settleWaiters()
    })
  }

  #settleWaiters(): void {
    const idle = this.#pushed === this.#done
    this.#waiters = this.#waiters.filter((w) => {
      const ready = w.target < 0 ? idle : this.#done >= w.target
      if (ready) w.resolve()
      return !ready
    })
  }

  // Cuts the next batch when one is due and the consumer is free. A single in-flight
  // batch (including one waiting for a retry) is what keeps processing strictly ordered.
  #pump(): void {
    if (this.#current !== undefined || this.#queue.length === 0) return
    const head = this.#queue[0]!
    const waited = performance.now() - head.at
    const due =
      this.#queue.length >= this.#opts.maxBatch ||
      this.#waitingBytes >= this.#maxBatchBytes ||
      waited >= this.#opts.maxWaitMs ||
      this.#flushUpTo > this.#cut
    if (!due) {
      this.#waitTimer ??= setTimeout(() => {
        this.#waitTimer = undefined
        this.#pump()
      }, this.#opts.maxWaitMs - waited)
      return
    }
    clearTimeout(this.#waitTimer)
    this.#waitTimer = undefined
    // At least one item, so an item bigger than maxBatchBytes still goes through, alone.
    let n = 1
    let bytes = head.bytes
    const most = Math.min(this.#opts.maxBatch, this.#queue.length)
    while (n < most && bytes + this.#queue[n]!.bytes <= this.#maxBatchBytes) bytes += this.#queue[n++]!.bytes
    const batch = this.#queue.splice(0, n).map((e) => e.item)
    this.#cut += batch.length
    this.#current = batch
    this.#waitingBytes -= bytes
    this.#currentBytes = bytes
    this.#run(batch)
  }

  #run(batch: T[]): void {
    // Wrapped so a synchronous throw from `process` takes the same retry path as a rejection.
    Promise.resolve()
      .then(() => this.#opts.process(batch))
      .then(
        () => this.#succeeded(batch),
        (err: unknown) => this.#failed(err, batch),
      )
  }

  #succeeded(batch: T[]): void {
    this.#current = undefined
    this.#currentBytes = 0
    this.#failures = 0
    this.#done += batch.length
    this.stats.batches++
    this.stats.items += batch.length
    if (this.#pressured && this.size <= this.#lowWater && this.bytes <= this.#lowWaterBytes) {
      this.#pressured = false
      this.#opts.onPressure?.(false)
    }
    this.#settleWaiters()
    this.#pump()
  }

  #failed(err: unknown, batch: T[]): void {
    try {
      this.#opts.onError?.(err, batch)
    } catch {
      // A broken error reporter must not stop the retry loop, or the batch would be stranded.
    }
    const delay = Math.min(this.#retry.maxMs, this.#retry.baseMs * 2 ** Math.min(this.#failures, 30))
    this.#failures++
    setTimeout(() => this.#run(batch), delay)
  }
}
