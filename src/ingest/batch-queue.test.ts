import { describe, expect, it } from 'vitest'
import { BatchQueue, type BatchQueueOptions } from './batch-queue.js'
import { Inbox, deferred, withTimeout, type Deferred } from '../../test/support/async.js'

const HOUR = 3_600_000

/** A consumer whose calls stay pending until the test settles them, one by one. */
function gatedConsumer<T>() {
  const calls = new Inbox<{ batch: T[]; gate: Deferred<void> }>()
  let inFlight = 0
  let maxInFlight = 0
  const process = (batch: T[]): Promise<void> => {
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    const gate = deferred<void>()
    calls.push({ batch: [...batch], gate })
    return gate.promise.finally(() => inFlight--)
  }
  return { calls, process, maxInFlight: () => maxInFlight }
}

function recordingQueue<T>(opts: Partial<BatchQueueOptions<T>> = {}) {
  const batches = new Inbox<T[]>()
  const queue = new BatchQueue<T>({
    maxBatch: 3,
    maxWaitMs: HOUR,
    highWater: 100,
    process: async (batch) => batches.push([...batch]),
    ...opts,
  })
  return { queue, batches }
}

describe('BatchQueue', () => {
  it('cuts a batch as soon as maxBatch items are queued', async () => {
    const { queue, batches } = recordingQueue<number>({ maxBatch: 3 })
    for (let i = 1; i <= 7; i++) queue.push(i)
    expect(await batches.atLeast(2, 'two full batches')).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ])
    expect(queue.size).toBe(1)
    await queue.close()
    expect(batches.items).toEqual([[1, 2, 3], [4, 5, 6], [7]])
  })

  it('cuts a partial batch maxWaitMs after its first item', async () => {
    const { queue, batches } = recordingQueue<string>({ maxBatch: 100, maxWaitMs: 20 })
    const started = performance.now()
    queue.push('a')
    queue.push('b')
    expect(await batches.atLeast(1, 'timed batch')).toEqual([['a', 'b']])
    expect(performance.now() - started).toBeLessThan(2_000)
    await queue.close()
  })

  it('runs one process call at a time and keeps order across batches', async () => {
    const consumer = gatedConsumer<number>()
    const queue = new BatchQueue<number>({ maxBatch: 3, maxWaitMs: HOUR, highWater: 1_000, process: consumer.process })
    for (let i = 0; i < 10; i++) queue.push(i)
    let flushed: Promise<void> | undefined
    for (let n = 1; n <= 4; n++) {
      const calls = await consumer.calls.atLeast(n, `call ${n}`)
      // Batch n is in flight and nothing after it may have started.
      expect(calls).toHaveLength(n)
      calls[n - 1]!.gate.resolve()
      if (n === 3) flushed = queue.flush() // the 10th item would otherwise wait an hour
    }
    await withTimeout(flushed!, 'flush')
    await withTimeout(queue.idle(), 'idle')
    expect(consumer.calls.items.flatMap((c) => c.batch)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(consumer.maxInFlight()).toBe(1)
    expect(queue.stats).toEqual({ batches: 4, items: 10, maxQueued: 10 })
  })

  it('signals pressure once at highWater and release once at lowWater', async () => {
    const consumer = gatedConsumer<number>()
    const pressure: boolean[] = []
    const queue = new BatchQueue<number>({
      maxBatch: 2,
      maxWaitMs: HOUR,
      highWater: 4,
      lowWater: 2,
      process: consumer.process,
      onPressure: (paused) => pressure.push(paused),
    })
    for (let i = 1; i <= 3; i++) queue.push(i)
    expect(pressure).toEqual([])
    queue.push(4)
    expect(pressure).toEqual([true])
    queue.push(5)
    queue.push(6)
    expect(pressure).toEqual([true])
    // Size counts in-flight items too: 6 -> 4 -> 2 as the gated batches complete.
    ;(await consumer.calls.atLeast(1, 'batch 1'))[0]!.gate.resolve()
    ;(await consumer.calls.atLeast(2, 'batch 2'))[1]!.gate.resolve()
    await consumer.calls.atLeast(3, 'batch 3')
    expect(queue.size).toBe(2)
    expect(pressure).toEqual([true, false])
    consumer.calls.items[2]!.gate.resolve()
    await withTimeout(queue.idle(), 'idle')
    expect(pressure).toEqual([true, false])
  })

  it('defaults lowWater to half of highWater', async () => {
    const consumer = gatedConsumer<number>()
    const pressure: boolean[] = []
    const queue = new BatchQueue<number>({
      maxBatch: 1,
      maxWaitMs: HOUR,
      highWater: 4,
      process: consumer.process,
      onPressure: (paused) => pressure.push(paused),
    })
    for (let i = 0; i < 4; i++) queue.push(i)
    expect(pressure).toEqual([true])
    for (let n = 1; n <= 2; n++) (await consumer.calls.atLeast(n, `call ${n}`))[n - 1]!.gate.resolve()
    await consumer.calls.atLeast(3, 'call 3')
    expect(pressure).toEqual([true, false])
  })

  // Items are their own size in bytes.
  const bytesQueue = (consumer: ReturnType<typeof gatedConsumer<number>>, pressure: boolean[]) =>
    new BatchQueue<number>({
      maxBatch: 100,
      maxWaitMs: HOUR,
      highWater: 10,
      highWaterBytes: 1_000,
      sizeOf: (n) => n,
      process: consumer.process,
      onPressure: (paused) => pressure.push(paused),
    })

  it.each([
    ['big items, far under the count bound', [400, 400, 400], [false, false, true]],
    ['one item over the byte bound', [5_000], [true]],
    ['small items reach the count bound first', [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [...Array(9).fill(false), true]],
    ['exactly highWaterBytes', [999, 1], [false, true]],
  ])('signals pressure on bytes or count, whichever comes first: %s', async (_name, sizes, expected) => {
    const consumer = gatedConsumer<number>()
    const pressure: boolean[] = []
    const queue = bytesQueue(consumer, pressure)
    const seen = sizes.map((n) => (queue.push(n), pressure.length > 0))
    expect(seen).toEqual(expected)
    expect(pressure).toEqual([true])
  })

  it('releases pressure only once both the bytes and the count are at or below low water', async () => {
    const consumer = gatedConsumer<number>()
    const pressure: boolean[] = []
    const queue = new BatchQueue<number>({
      maxBatch: 1,
      maxWaitMs: HOUR,
      highWater: 6,
      lowWater: 2,
      highWaterBytes: 1_000,
      sizeOf: (n) => n,
      process: consumer.process,
      onPressure: (paused) => pressure.push(paused),
    })
    // 1000 bytes in two items trips the byte bound; then six small ones keep the count high.
    for (const n of [600, 400, 1, 1, 1, 1]) queue.push(n)
    expect(pressure).toEqual([true])
    const done = [
      // [after finishing call n: bytes, size, still paused]
      [400 + 4, 5, true], // bytes are under 500, the count is not under 2
      [4, 4, true],
      [3, 3, true],
      [2, 2, false],
    ] as const
    for (const [i, [bytes, size, paused]] of done.entries()) {
      ;(await consumer.calls.atLeast(i + 1, `call ${i + 1}`))[i]!.gate.resolve()
      await consumer.calls.atLeast(Math.min(i + 2, 6), `call ${i + 2}`)
      expect({ bytes: queue.bytes, size: queue.size, paused: pressure.at(-1) }).toEqual({ bytes, size, paused })
    }
    expect(pressure).toEqual([true, false])
  })

  it.each([
    ['cut at the byte cap', 100, [300, 300, 300, 300, 300], [3, 2]],
    ['an item bigger than the cap goes alone', 100, [300, 2_000, 100], [1, 1, 1]],
    ['the count cap still applies', 2, [1, 1, 1, 1, 1], [2, 2, 1]],
    ['items exactly filling the cap', 100, [500, 500, 500], [2, 1]],
  ])('bounds each batch in bytes: %s', async (_name, maxBatch, sizes, batchLengths) => {
    const { queue, batches } = recordingQueue<number>({ maxBatch, maxBatchBytes: 1_000, sizeOf: (n) => n })
    for (const n of sizes) queue.push(n)
    await withTimeout(queue.close(), 'close')
    expect(batches.items.map((b) => b.length)).toEqual(batchLengths)
    expect(batches.items.flat()).toEqual(sizes)
  })

  it('cuts a batch once maxBatchBytes are waiting, without waiting for maxWaitMs', async () => {
    const { queue, batches } = recordingQueue<number>({ maxBatch: 100, maxBatchBytes: 1_000, sizeOf: (n) => n })
    for (const n of [600, 600]) queue.push(n)
    expect(await batches.atLeast(1, 'batch cut by bytes')).toEqual([[600]])
    await queue.close()
  })

  it('keeps order and delivers each item once under byte pressure, with every batch within the cap', async () => {
    let seed = 7
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
    const items = Array.from({ length: 2_000 }, (_, i) => ({ i, bytes: 1 + Math.floor(random() * 600) }))
    const pressure: boolean[] = []
    const { queue, batches } = recordingQueue<(typeof items)[number]>({
      maxBatch: 50,
      highWater: 1_000,
      highWaterBytes: 5_000,
      maxBatchBytes: 2_000,
      sizeOf: (x) => x.bytes,
      onPressure: (paused) => pressure.push(paused),
    })
    for (const item of items) queue.push(item)
    await withTimeout(queue.close(), 'close')
    expect(batches.items.flat().map((x) => x.i)).toEqual(items.map((x) => x.i))
    for (const b of batches.items) expect(b.length === 1 || b.reduce((sum, x) => sum + x.bytes, 0) <= 2_000).toBe(true)
    expect(pressure).toEqual([true, false])
    expect(queue.bytes).toBe(0)
  })

  it('retries a failing batch unchanged, in order, and loses nothing', async () => {
    const seen: number[][] = []
    const errors: { err: unknown; batch: number[] }[] = []
    let failuresLeft = 2
    const queue = new BatchQueue<number>({
      maxBatch: 2,
      maxWaitMs: HOUR,
      highWater: 100,
      retry: { baseMs: 5, maxMs: 20 },
      process: async (batch) => {
        seen.push([...batch])
        if (failuresLeft > 0) {
          failuresLeft--
          throw new Error('db busy')
        }
      },
      onError: (err, batch) => errors.push({ err, batch: [...batch] }),
    })
    for (let i = 1; i <= 5; i++) queue.push(i)
    await withTimeout(queue.flush(), 'flush through retries')
    expect(seen).toEqual([[1, 2], [1, 2], [1, 2], [3, 4], [5]])
    expect(errors.map((e) => e.batch)).toEqual([
      [1, 2],
      [1, 2],
    ])
    expect((errors[0]!.err as Error).message).toBe('db busy')
    expect(queue.stats.items).toBe(5)
  })

  it('treats a synchronous throw from process like a rejection', async () => {
    const errors = new Inbox<unknown>()
    let calls = 0
    const queue = new BatchQueue<string>({
      maxBatch: 1,
      maxWaitMs: HOUR,
      highWater: 10,
      retry: { baseMs: 1 },
      process: (() => {
        if (calls++ === 0) throw new Error('sync')
        return Promise.resolve()
      }) as (batch: string[]) => Promise<void>,
      onError: errors.push,
    })
    queue.push('x')
    await withTimeout(queue.idle(), 'idle after retry')
    expect(errors.items).toHaveLength(1)
    expect(calls).toBe(2)
  })

  it('flush processes everything queued now, ignoring maxWaitMs', async () => {
    const { queue, batches } = recordingQueue<number>({ maxBatch: 2 })
    for (let i = 1; i <= 5; i++) queue.push(i)
    await withTimeout(queue.flush(), 'flush')
    expect(batches.items).toEqual([[1, 2], [3, 4], [5]])
    expect(queue.size).toBe(0)
    await withTimeout(queue.flush(), 'empty flush')
  })

  it('idle resolves at once when empty and after the wait timer otherwise', async () => {
    const { queue, batches } = recordingQueue<number>({ maxBatch: 10, maxWaitMs: 10 })
    await withTimeout(queue.idle(), 'idle when empty')
    queue.push(1)
    queue.push(2)
    await withTimeout(queue.idle(), 'idle after timer')
    expect(batches.items).toEqual([[1, 2]])
  })

  it('close flushes, is idempotent, and rejects later pushes', async () => {
    const { queue, batches } = recordingQueue<number>({ maxBatch: 10 })
    queue.push(1)
    queue.push(2)
    const closing = queue.close()
    expect(() => queue.push(3)).toThrow(/closed/)
    await withTimeout(closing, 'close')
    await withTimeout(queue.close(), 'second close')
    expect(batches.items).toEqual([[1, 2]])
  })

  it('rejects inconsistent options', () => {
    const process = async () => {}
    expect(() => new BatchQueue({ maxBatch: 0, maxWaitMs: 1, highWater: 1, process })).toThrow(RangeError)
    expect(() => new BatchQueue({ maxBatch: 1, maxWaitMs: 1, highWater: 4, lowWater: 4, process })).toThrow(RangeError)
    expect(() => new BatchQueue({ maxBatch: 1, maxWaitMs: 1, highWater: 4, highWaterBytes: 10, process })).toThrow(/sizeOf/)
    expect(() => new BatchQueue({ maxBatch: 1, maxWaitMs: 1, highWater: 4, maxBatchBytes: 10, process })).toThrow(/sizeOf/)
    const sizeOf = () => 1
    expect(() => new BatchQueue({ maxBatch: 1, maxWaitMs: 1, highWater: 4, highWaterBytes: 0, sizeOf, process })).toThrow(RangeError)
  })
})
