/**
 * Stage 1 through the production loop vs JSON.parse of every frame, one core. The frames go to
 * StreamIngest.onFrame (the socket's message handler) of an ingest built as the Node host builds
 * it: jetstreamSource, its Watermark and BatchQueue, a real Indexer and SqlStore on a temp file.
 * It is never started, so no socket: the frames are offered as the socket hands them over, a read
 * at a time, and the queue's batches are decoded and committed between reads as they would be.
 * stage1_fps counts the time spent inside onFrame; the batches' time after it is reported as a share.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { Indexer } from '../src/core/indexer.js'
import { silentLogger } from '../src/core/logger.js'
import { US_PER_DAY } from '../src/core/time.js'
import { jetstreamSource } from '../src/ingest/jetstream-source.js'
import { StreamIngest } from '../src/ingest/stream-ingest.js'
import { SqlStore } from '../src/store/sql-store.js'
import { SqliteDriver } from '../src/store/sqlite-driver.js'
import { createStream } from '../test/support/stream-generator.js'
import { median, type Figure } from './lib.js'

// Node reads a socket 64 KB at a time, about 128 of these ~500-byte frames, and ws hands them to
// onFrame one after another; what the queue has cut runs once the read is done.
const READ_FRAMES = 128

export interface LoopRun {
  /** Frames per second of the time spent inside onFrame. */
  fps: number
  /** Seconds inside onFrame, and in the batches after it (decode, index, commit: onBatch's figure). */
  stage1Seconds: number
  afterSeconds: number
  passed: number
}

/** Stage 1 frames for the production loop: the setup (configs, memberships) and the timed frames. */
export function stage1Frames(n: number): { setup: string[]; frames: string[] } {
  const source = jetstreamSource({ url: 'ws://127.0.0.1:1/subscribe' })
  // The timed frames are the same as before this bench drove onFrame (seed 1, no setup drawn
  // first); the setup comes from a second generator of the same seed: the same communities and
  // members, 10 s earlier.
  const startUs = Date.now() * 1000 - 3_600_000_000
  const gen = createStream({ seed: 1, startUs })
  // Frames as the socket hands them over (source.fromWire of the bytes): flat strings. The
  // generator's JSON.stringify returns rope (cons) strings, which no live frame is and which make
  // every character read slower.
  const wire = (raw: string) => source.fromWire(Buffer.from(raw))
  const frames = Array.from({ length: n }, () => wire(gen.next().raw))
  const setup = createStream({ seed: 1, startUs: startUs - 10_000_000 }).setup().map(wire)
  return { setup, frames }
}

/** One run through a fresh ingest and index, so every run indexes the same posts. */
export async function throughOnFrame(frames: readonly string[], setup: readonly string[]): Promise<LoopRun> {
  const dir = mkdtempSync(join(tmpdir(), 'atrarium-bench-stage1-'))
  const driver = new SqliteDriver(join(dir, 'index.sqlite'))
  const store = new SqlStore(driver)
  const indexer = new Indexer({ store, log: silentLogger, retentionUs: 7 * US_PER_DAY })
  let afterSeconds = 0
  const ingest = new StreamIngest({
    source: jetstreamSource({ url: 'ws://127.0.0.1:1/subscribe' }), store, indexer, log: silentLogger,
    onBatch: (_events, seconds) => (afterSeconds += seconds),
  })
  try {
    // The communities and their members: members become stage 1's authors, as on a live index.
    for (const f of setup) ingest.onFrame(f)
    await ingest.idle()
    afterSeconds = 0
    const passed = ingest.stats.passed
    let inLoop = 0
    for (let i = 0; i < frames.length; ) {
      const end = Math.min(frames.length, i + READ_FRAMES)
      const t = performance.now()
      for (; i < end; i++) ingest.onFrame(frames[i]!)
      inLoop += performance.now() - t
      await nextTurn()
    }
    await ingest.idle()
    return { fps: frames.length / (inLoop / 1000), stage1Seconds: inLoop / 1000, afterSeconds, passed: ingest.stats.passed - passed }
  } finally {
    await ingest.close()
    driver.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The baseline: JSON.parse of every frame, frames/s. */
export function parseEverything(frames: readonly string[]): number {
  let sink = 0
  const t = performance.now()
  for (let i = 0; i < frames.length; i++) sink += (JSON.parse(frames[i]!) as { time_us: number }).time_us > 0 ? 1 : 0
  const fps = frames.length / ((performance.now() - t) / 1000)
  if (sink === 42) console.log('')
  return fps
}

export async function benchStage1(opts: { frames?: number; runs?: number } = {}): Promise<Figure[]> {
  const n = opts.frames ?? 200_000
  const runs = opts.runs ?? 5
  const { setup, frames } = stage1Frames(n)
  // One unrecorded round, then the two alternate, so both see the same spells of a shared VM.
  await throughOnFrame(frames, setup)
  parseEverything(frames)
  const loop: LoopRun[] = []
  const bl: number[] = []
  for (let r = 0; r < runs; r++) {
    loop.push(await throughOnFrame(frames, setup))
    bl.push(parseEverything(frames))
  }
  const s1 = loop.map((r) => r.fps)
  const ratios = s1.map((v, i) => v / bl[i]!)
  const after = loop.map((r) => (100 * r.afterSeconds) / (r.stage1Seconds + r.afterSeconds))
  const passed = loop[0]!.passed
  return [
    {
      key: 'stage1_fps', figure: 'stage 1 (StreamIngest.onFrame), frames/s per core', unit: 'frames/s', median: median(s1), runs: s1,
      target: { op: '>=', value: 1_000_000, label: '≥ 1,000,000/s' }, note: `${n} generated frames, ${((100 * passed) / n).toFixed(2)}% pass`,
    },
    { key: 'stage1_parse_baseline_fps', figure: 'baseline: JSON.parse every frame, frames/s', unit: 'frames/s', median: median(bl), runs: bl },
    { key: 'stage1_vs_parse', figure: 'stage 1 / parse-everything', unit: '×', median: median(ratios), runs: ratios, target: { op: '>=', value: 20, label: '≥ 20×' } },
    {
      key: 'stage1_after_share', figure: 'share of the loop after stage 1 (decode, index, commit of what passed)', unit: '%', median: median(after), runs: after,
      note: 'onBatch seconds / (onFrame + onBatch seconds)',
    },
  ]
}
