/**
 * Stage 1 as StreamIngest runs it (production jetstreamSource().stage1, and the Watermark that
 * reads the cursor of passed frames and of the latest dropped one now and then) vs JSON.parse of
 * every frame, one core.
 */
import { jetstreamSource } from '../src/ingest/jetstream-source.js'
import { MARK_CHECK_EVERY_FRAMES } from '../src/ingest/stream-ingest.js'
import { Watermark } from '../src/ingest/watermark.js'
import { createStream } from '../test/support/stream-generator.js'
import { median, type Figure } from './lib.js'

export function benchStage1(opts: { frames?: number; runs?: number } = {}): Figure[] {
  const n = opts.frames ?? 200_000
  const runs = opts.runs ?? 5
  const gen = createStream({ seed: 1 })
  const source = jetstreamSource({ url: 'ws://127.0.0.1:1/subscribe' })
  // Frames as the socket hands them over (source.fromWire of the bytes): flat strings. The
  // generator's JSON.stringify returns rope (cons) strings, which no live frame is and which make
  // every character read slower.
  const frames = Array.from({ length: n }, () => source.fromWire(Buffer.from(gen.next().raw)))
  // Like the live pipeline: authors with indexed posts are a set; some deletes hit it.
  const authors = new Set(gen.members.flat())
  const has = (d: string) => authors.has(d)
  let sink = 0
  const watermark = new Watermark(source.cursorOf)
  const stage1 = () => {
    const t = performance.now()
    for (let i = 0; i < n; i++) {
      const raw = frames[i]!
      const v = source.stage1(raw, has)
      if ('pass' in v && v.pass) {
        if (watermark.through(raw) === undefined) sink--
      } else {
        watermark.skip(raw)
        // StreamIngest looks at the clock this often, and marks the cursor when a second has passed.
        if (i % MARK_CHECK_EVERY_FRAMES === 0 && watermark.current() === undefined) sink--
      }
    }
    return n / ((performance.now() - t) / 1000)
  }
  const parse = () => {
    const t = performance.now()
    for (let i = 0; i < n; i++) sink += (JSON.parse(frames[i]!) as { time_us: number }).time_us > 0 ? 1 : 0
    return n / ((performance.now() - t) / 1000)
  }
  stage1()
  parse()
  const s1: number[] = []
  const bl: number[] = []
  for (let r = 0; r < runs; r++) {
    s1.push(stage1())
    bl.push(parse())
  }
  const ratios = s1.map((v, i) => v / bl[i]!)
  const passed = frames.filter((f) => { const v = source.stage1(f, has); return 'pass' in v && v.pass }).length
  if (sink === 42) console.log('')
  return [
    { key: 'stage1_fps', figure: 'stage 1 filter (stage1 + cursor), frames/s per core', unit: 'frames/s', median: median(s1), runs: s1, target: { op: '>=', value: 1_000_000, label: '≥ 1,000,000/s' }, note: `${n} generated frames, ${((100 * passed) / n).toFixed(2)}% pass` },
    { key: 'stage1_parse_baseline_fps', figure: 'baseline: JSON.parse every frame, frames/s', unit: 'frames/s', median: median(bl), runs: bl },
    { key: 'stage1_vs_parse', figure: 'stage 1 / parse-everything', unit: '×', median: median(ratios), runs: ratios, target: { op: '>=', value: 20, label: '≥ 20×' } },
  ]
}
