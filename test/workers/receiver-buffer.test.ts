import { describe, expect, it } from 'vitest'
import { ReceiverBuffer, type ReceiverBufferOptions } from '../../src/workers/receiver-buffer.js'
import { MESSAGE_TARGET_BYTES, QUEUE_MAX_MESSAGE_BYTES, SEND_BATCH_MAX_BYTES, SEND_BATCH_MAX_MESSAGES, unpackMessage, utf8ByteLength } from '../../src/workers/queue-limits.js'
import { peekTimeUs } from '../../src/core/prefilter.js'
import { until } from './wait.js'

const frame = (t: number, pad = ''): string =>
  JSON.stringify({ did: 'did:plc:alice', time_us: t, kind: 'commit', commit: { text: `#atrarium_0000000a ${pad}` } })

/** A buffer over a recording send that fails while `failing` is true. */
function harness(opts: Partial<ReceiverBufferOptions<string>> = {}) {
  const calls: string[][] = []
  const saved: number[] = []
  const h = {
    calls,
    saved,
    failing: false,
    attempts: 0,
    /** The frames the sent messages carry, in order. */
    get frames(): string[] {
      return calls.flat().flatMap(unpackMessage)
    },
    buffer: undefined as unknown as ReceiverBuffer<string>,
  }
  h.buffer = new ReceiverBuffer<string>({
    cursorOf: peekTimeUs,
    send: async (bodies) => {
      h.attempts++
      if (h.failing) throw new Error('queue unavailable')
      calls.push(bodies)
    },
    saveCursor: (t) => void saved.push(t),
    maxWaitMs: 20,
    markEveryMs: 20,
    retry: { baseMs: 10, maxMs: 20 },
    ...opts,
  })
  return h
}

describe('ReceiverBuffer', () => {
  it('does not move the saved cursor while sends fail, and moves it once the batch is sent (defect 1)', async () => {
    const h = harness()
    h.failing = true
    h.buffer.push(frame(100), [frame(100)])
    h.buffer.push(frame(120), [frame(120)])
    h.buffer.push(frame(150), []) // dropped, but the batch that empties the buffer covers it
    await until(() => h.attempts >= 3, 'three failed attempts')
    expect(h.saved).toEqual([])
    expect(h.buffer.savedCursor).toBeUndefined()
    expect(h.buffer.stats.sendFailures).toBeGreaterThanOrEqual(3)

    h.failing = false
    await until(() => h.saved.length > 0, 'cursor saved after a successful send')
    // The retried batch is the same batch, in order; the cursor is the watermark at the cut.
    expect(h.frames).toEqual([frame(100), frame(120)])
    expect(h.saved).toEqual([150])
    expect(h.buffer.savedCursor).toBe(150)
  })

  it('packs a flush into one message: a JSON array of its frames, in order, each frame intact (issue #14)', async () => {
    const h = harness()
    const frames = Array.from({ length: 7 }, (_, i) => frame(1000 + i, i === 3 ? 'quote " and \\ backslash' : ''))
    frames.forEach((f, i) => h.buffer.push(f, [f]))
    await until(() => h.saved.length > 0, 'batch sent')
    expect(h.calls).toHaveLength(1)
    expect(h.calls[0]).toHaveLength(1)
    expect(JSON.parse(h.calls[0]![0]!)).toEqual(frames)
    expect(h.buffer.stats).toMatchObject({ sent: 1, framesSent: 7 })
  })

  it('fills messages up to 64 KB (one billed queue operation each) and chunks sendBatch calls to 100 messages and 256 KB, in order', async () => {
    const h = harness({ maxFrames: 300 })
    const pad = 'x'.repeat(5_000)
    const frames = Array.from({ length: 250 }, (_, i) => frame(i + 1, pad))
    frames.forEach((f, i) => h.buffer.push(f, [f]))
    await until(() => h.buffer.savedCursor === 250, 'all frames sent')
    expect(h.frames).toEqual(frames)
    for (const call of h.calls) {
      expect(call.length).toBeLessThanOrEqual(SEND_BATCH_MAX_MESSAGES)
      expect(call.reduce((n, b) => n + utf8ByteLength(b), 0)).toBeLessThanOrEqual(SEND_BATCH_MAX_BYTES)
      for (const message of call) expect(utf8ByteLength(message)).toBeLessThanOrEqual(MESSAGE_TARGET_BYTES)
    }
    // 250 frames of 5 KB: 20 messages of 12 or 13 frames, not 250.
    expect(h.calls.flat().length).toBe(Math.ceil(250 / Math.floor(MESSAGE_TARGET_BYTES / utf8ByteLength(JSON.stringify(frames[0])))))
    expect(h.calls.length).toBeGreaterThan(2)
  })

  it('sends a frame too big to share a message on its own, as it is', async () => {
    const h = harness()
    const big = frame(2, 'z'.repeat(MESSAGE_TARGET_BYTES))
    h.buffer.push(frame(1), [frame(1)])
    h.buffer.push(big, [big])
    h.buffer.push(frame(3), [frame(3)])
    await until(() => h.buffer.savedCursor === 3, 'all frames sent')
    expect(h.calls.flat()).toEqual([JSON.stringify([frame(1)]), big, JSON.stringify([frame(3)])])
    expect(h.frames).toEqual([frame(1), big, frame(3)])
  })

  it('flushes on size without waiting for the timer', async () => {
    const h = harness({ maxFrames: 3, maxWaitMs: 60_000, markEveryMs: 60_000 })
    for (let i = 1; i <= 3; i++) h.buffer.push(frame(i), [frame(i)])
    await until(() => h.calls.length === 1, 'a full batch sent at once', 1_000)
    expect(h.frames).toHaveLength(3)
    // And on bytes: a message's worth of frames goes at once too.
    const big = harness({ maxWaitMs: 60_000, markEveryMs: 60_000 })
    const pad = 'x'.repeat(1_000)
    for (let i = 1; big.calls.length === 0 && i <= 100; i++) big.buffer.push(frame(i, pad), [frame(i, pad)])
    await until(() => big.calls.length === 1, 'a message-sized batch sent at once', 1_000)
  })

  it('keeps one batch in flight; a retry resumes at the chunk that failed', async () => {
    let inFlight = 0
    let maxInFlight = 0
    let failNext = 0
    const calls: string[][] = []
    const saved: number[] = []
    const buffer = new ReceiverBuffer<string>({
      cursorOf: peekTimeUs,
      send: async (bodies) => {
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        await new Promise((r) => setTimeout(r, 5))
        inFlight--
        if (failNext > 0 && calls.length === 1) {
          failNext--
          throw new Error('second chunk fails once')
        }
        calls.push(bodies)
      },
      saveCursor: (t) => void saved.push(t),
      maxFrames: 150,
      maxWaitMs: 10,
      retry: { baseMs: 10, maxMs: 10 },
    })
    failNext = 1
    // 5 KB frames: the first batch is a dozen messages, so several sendBatch chunks.
    const pad = 'x'.repeat(5_000)
    for (let i = 1; i <= 150; i++) buffer.push(frame(i, pad), [frame(i, pad)])
    for (let i = 151; i <= 160; i++) buffer.push(frame(i, pad), [frame(i, pad)])
    await until(() => buffer.savedCursor === 160, 'everything sent')
    expect(maxInFlight).toBe(1)
    expect(calls.length).toBeGreaterThan(3)
    expect(calls.flat().flatMap(unpackMessage)).toEqual(Array.from({ length: 160 }, (_, i) => frame(i + 1, pad)))
    expect(saved).toEqual([150, 160])
  })

  it('saves a cursor advanced only by dropped frames, without sending anything', async () => {
    const h = harness()
    h.buffer.push(frame(500), [])
    h.buffer.push(frame(700), [])
    // time_us is not monotonic: as on the Node host (the shared Watermark), only the latest dropped
    // frame's cursor is read, so the mark may stay a little behind; the resume rewinds 5 s anyway.
    h.buffer.push(frame(600), [])
    await until(() => h.saved.length > 0, 'cursor mark saved')
    expect(h.calls).toEqual([])
    expect(h.saved).toEqual([600])
  })

  it('drops a frame over the queue message limit, counts it, and still advances the cursor', async () => {
    const h = harness()
    const big = frame(900, 'y'.repeat(QUEUE_MAX_MESSAGE_BYTES))
    h.buffer.push(frame(800), [frame(800)])
    h.buffer.push(big, [big])
    await until(() => h.saved.length > 0, 'batch sent')
    expect(h.frames).toEqual([frame(800)])
    expect(h.buffer.stats.tooLarge).toBe(1)
    expect(h.saved).toEqual([900])
  })

  it('does not save a cursor it was constructed with, and never moves it backwards', async () => {
    const h = harness({ savedCursor: 5_000 })
    h.buffer.push(frame(4_000), [])
    h.buffer.push(frame(4_500), [frame(4_500)])
    await until(() => h.calls.length > 0, 'batch sent')
    await new Promise((r) => setTimeout(r, 50)) // give a wrong save the chance to happen
    expect(h.saved).toEqual([])
    expect(h.buffer.savedCursor).toBe(5_000)
  })

  it('discardPending forgets unbatched frames and pulls the watermark back to the last cut', async () => {
    const h = harness({ maxWaitMs: 60_000, markEveryMs: 60_000, highWater: 3 })
    h.buffer.push(frame(1), [frame(1)])
    h.buffer.push(frame(2), [frame(2)])
    expect(h.buffer.overloaded).toBe(false)
    h.buffer.push(frame(3), [frame(3)])
    expect(h.buffer.overloaded).toBe(true)
    expect(h.buffer.discardPending()).toBe(3)
    h.buffer.flush()
    await new Promise((r) => setTimeout(r, 20))
    expect(h.calls).toEqual([])
    expect(h.saved).toEqual([])
  })
})
