/**
 * Full ingest: frames from a local ws server (feeder.ts, its own process) through the production
 * StreamIngest + jetstreamSource (socket, stage 1, BatchQueue, stage 2) into a real Indexer +
 * SqlStore on a temp SQLite file. Defaults of StreamIngest (batch size, window) are used.
 */
import { jetstreamSource } from '../src/ingest/jetstream-source.js'
import { StreamIngest } from '../src/ingest/stream-ingest.js'
import { silentLogger } from '../src/core/logger.js'
import { timedIngestRun, type RunResult } from './ingest-run.js'
import { log, median, type Figure } from './lib.js'

const runOnce = (frames: number, postsOnly: boolean): Promise<RunResult> =>
  timedIngestRun({ script: new URL('./feeder.ts', import.meta.url), arg: { frames, postsOnly } }, frames, (port, store, indexer) =>
    new StreamIngest({ source: jetstreamSource({ url: `ws://127.0.0.1:${port}/subscribe` }), store, indexer, log: silentLogger }))

export async function benchIngest(opts: { mixFrames?: number; postFrames?: number; runs?: number; postRuns?: number } = {}): Promise<Figure[]> {
  const runs = opts.runs ?? 3
  const postRuns = opts.postRuns ?? runs
  const mix: RunResult[] = []
  const posts: RunResult[] = []
  // A service indexes for days: measure it warm, as the first pass through the indexing code in a
  // process runs before the JIT has optimized it.
  const warm = await runOnce(Math.min(10_000, opts.postFrames ?? 10_000), true)
  log(`ingest all-match warm-up (not counted): ${warm.postsPerS.toFixed(0)} posts/s`)
  for (let r = 0; r < Math.max(runs, postRuns); r++) {
    if (r < runs) {
      mix.push(await runOnce(opts.mixFrames ?? 500_000, false))
      log(`ingest 1% run ${r + 1}: ${mix.at(-1)!.fps.toFixed(0)} frames/s, ${mix.at(-1)!.cpuSecPerM.toFixed(2)} CPU s/M frames`)
    }
    if (r < postRuns) {
      posts.push(await runOnce(opts.postFrames ?? 100_000, true))
      log(`ingest all-match run ${r + 1}: ${posts.at(-1)!.postsPerS.toFixed(0)} posts/s`)
    }
  }
  return [
    { key: 'ingest_fps_1pct', figure: 'full ingest at ~1% match, frames/s', unit: 'frames/s', median: median(mix.map((m) => m.fps)), runs: mix.map((m) => m.fps), target: { op: '>=', value: 100_000, label: '≥ 100,000/s' }, note: `${opts.mixFrames ?? 500_000} frames per run, ${mix[0]!.events} events indexed` },
    { key: 'ingest_cpu_s_per_m_frames', figure: 'ingest CPU seconds per million frames (1% match)', unit: 'CPU s', median: median(mix.map((m) => m.cpuSecPerM)), runs: mix.map((m) => m.cpuSecPerM) },
    { key: 'index_posts_per_s', figure: 'indexing with every frame a community post, posts/s', unit: 'posts/s', median: median(posts.map((m) => m.postsPerS)), runs: posts.map((m) => m.postsPerS), target: { op: '>=', value: 20_000, label: '≥ 20,000/s' }, note: `${opts.postFrames ?? 100_000} frames per run` },
    { key: 'index_cpu_s_per_m_frames', figure: 'indexing CPU seconds per million frames (all match)', unit: 'CPU s', median: median(posts.map((m) => m.cpuSecPerM)), runs: posts.map((m) => m.cpuSecPerM) },
  ]
}
