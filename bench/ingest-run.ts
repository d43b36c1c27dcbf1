/**
 * One timed ingest run, shared by the Jetstream and firehose benchmarks: a feeder child process
 * (feeder-server.ts) serves setup frames, then on 'go' the timed ones; the ingest StreamIngest that
 * `build` makes runs here, into a real Indexer + SqlStore on a temp file with the host's WAL
 * checkpointer. CPU is this process's only (worker threads and the thread pool included).
 */
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Indexer } from '../src/core/indexer.js'
import { silentLogger } from '../src/core/logger.js'
import { US_PER_DAY } from '../src/core/time.js'
import type { StreamIngest } from '../src/ingest/stream-ingest.js'
import { WalCheckpointer } from '../src/node/wal-checkpointer.js'
import { SqlStore } from '../src/store/sql-store.js'
import { SqliteDriver } from '../src/store/sqlite-driver.js'
import { until } from './lib.js'

export interface RunResult { fps: number; postsPerS: number; cpuSecPerM: number; events: number; seconds: number; verified: number; rejected: number }

export async function timedIngestRun<Raw>(
  feeder: { script: URL; arg: unknown },
  frames: number,
  build: (port: number, store: SqlStore, indexer: Indexer) => StreamIngest<Raw>,
): Promise<RunResult> {
  const child = fork(feeder.script, [JSON.stringify(feeder.arg)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const dir = mkdtempSync(join(tmpdir(), 'atrarium-bench-ingest-'))
  const driver = new SqliteDriver(join(dir, 'index.sqlite'))
  const store = new SqlStore(driver)
  const indexer = new Indexer({ store, log: silentLogger, retentionUs: 7 * US_PER_DAY })
  // As the Node host runs: the WAL is checkpointed by a worker thread.
  const checkpointer = new WalCheckpointer({ driver, log: silentLogger })
  checkpointer.start()
  let ingest: StreamIngest<Raw> | undefined
  try {
    const ready = await new Promise<{ port: number; setup: number }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { port: number; setup: number }))
      child.once('exit', (code) => reject(new Error(`feeder exited ${code}`)))
    })
    ingest = build(ready.port, store, indexer)
    ingest.start()
    await until(() => ingest!.stats.frames >= ready.setup, 'setup frames', 120_000)
    await ingest.idle()
    const before = { events: ingest.stats.events, verified: ingest.stats.verified, rejected: rejectedOf(ingest) }
    const sent = new Promise<void>((resolve) => child.on('message', (m: { type: string }) => m.type === 'sent' && resolve()))
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    child.send({ type: 'go' })
    await until(() => ingest!.stats.frames >= ready.setup + frames, 'timed frames', 120_000, 5)
    await ingest.idle()
    const seconds = (performance.now() - t0) / 1000
    const cpu = process.cpuUsage(cpu0)
    await sent
    const events = ingest.stats.events - before.events
    return {
      fps: frames / seconds, postsPerS: events / seconds, cpuSecPerM: ((cpu.user + cpu.system) / 1e6) * (1e6 / frames), events, seconds,
      verified: ingest.stats.verified - before.verified, rejected: rejectedOf(ingest) - before.rejected,
    }
  } finally {
    await ingest?.close()
    child.disconnect()
    await checkpointer.close()
    driver.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

const rejectedOf = (ingest: { stats: StreamIngest<unknown>['stats'] }): number => Object.values(ingest.stats.rejected).reduce((a, b) => a + b, 0)
