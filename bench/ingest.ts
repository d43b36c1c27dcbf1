/**
 * Full ingest: frames from a local ws server (feeder.ts, its own process) through the production
 * StreamIngest + jetstreamSource (socket, stage 1, BatchQueue, stage 2) into a real Indexer +
 * SqlStore on a temp SQLite file. Defaults of StreamIngest (batch size, window) are used.
 */
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Indexer } from '../src/core/indexer.js'
import { silentLogger } from '../src/core/logger.js'
import { US_PER_DAY } from '../src/core/time.js'
import { jetstreamSource } from '../src/ingest/jetstream-source.js'
import { StreamIngest } from '../src/ingest/stream-ingest.js'
import { WalCheckpointer } from '../src/node/wal-checkpointer.js'
import { SqlStore } from '../src/store/sql-store.js'
import { SqliteDriver } from '../src/store/sqlite-driver.js'
import { log, median, until, type Figure } from './lib.js'

interface RunResult { fps: number; postsPerS: number; cpuSecPerM: number; events: number; seconds: number }

async function runOnce(frames: number, postsOnly: boolean): Promise<RunResult> {
  const child = fork(new URL('./feeder.ts', import.meta.url), [JSON.stringify({ frames, postsOnly })], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const dir = mkdtempSync(join(tmpdir(), 'atrarium-bench-ingest-'))
  const driver = new SqliteDriver(join(dir, 'index.sqlite'))
  const store = new SqlStore(driver)
  const indexer = new Indexer({ store, log: silentLogger, retentionUs: 7 * US_PER_DAY })
  // As the Node host runs: the WAL is checkpointed by a worker thread.
  const checkpointer = new WalCheckpointer({ driver, log: silentLogger })
  checkpointer.start()
  let ingest: StreamIngest<string> | undefined
  try {
    const ready = await new Promise<{ port: number; setup: number }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { port: number; setup: number }))
      child.once('exit', (code) => reject(new Error(`feeder exited ${code}`)))
    })
    ingest = new StreamIngest({ source: jetstreamSource({ url: `ws://127.0.0.1:${ready.port}/subscribe` }), store, indexer, log: silentLogger })
    ingest.start()
    await until(() => ingest!.stats.frames >= ready.setup, 'setup frames', 120_000)
    await ingest.idle()
    const events0 = ingest.stats.events
    const sent = new Promise<void>((resolve) => child.on('message', (m: { type: string }) => m.type === 'sent' && resolve()))
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    child.send({ type: 'go' })
    await until(() => ingest!.stats.frames >= ready.setup + frames, 'timed frames', 120_000, 5)
    await ingest.idle()
    const seconds = (performance.now() - t0) / 1000
    const cpu = process.cpuUsage(cpu0)
    await sent
    const events = ingest.stats.events - events0
    return { fps: frames / seconds, postsPerS: events / seconds, cpuSecPerM: ((cpu.user + cpu.system) / 1e6) * (1e6 / frames), events, seconds }
  } finally {
    await ingest?.close()
    child.disconnect()
    await checkpointer.close()
    driver.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

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
