/**
 * The starter kit as a server process of its own, started as its src/index.ts reads its settings
 * (FEEDGEN_* environment) and its Dockerfile runs it (NODE_ENV=production): either our model
 * (starter-kit-main.ts) or, with `--peer-dir`, the kit itself from a checkout whose dependencies
 * the user installed. It gets a process group of its own; its CPU is that group's, read from /proc.
 */
import { execFileSync, spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, groupStats } from '../../test/support/node-process.js'
import { sleep } from '../lib.js'

export interface KitProcess {
  origin: string
  /** What runs, for the notes. */
  what: string
  /** User + system CPU of the kit's process group so far, in µs. */
  cpuUs(): number
  stop(): Promise<void>
}

export interface KitLaunch {
  /** A checkout of bluesky-social/feed-generator with its node_modules; without it, the model. */
  dir?: string
  sqliteFile: string
  publisherDid: string
  serviceDid: string
  plcUrl: string
  logFile: string
}

const accepts = (port: number) => new Promise<boolean>((resolve) => {
  const c = connect(port, '127.0.0.1').once('connect', () => (c.destroy(), resolve(true))).once('error', () => resolve(false))
})

const TICKS_PER_S = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/** utime + stime (µs) of the live processes in group `pgid` (/proc/<pid>/stat fields 14 and 15). */
export const groupCpuUs = (pgid: number): number =>
  (groupStats(pgid).reduce((ticks, p) => ticks + Number(p.fields[11]) + Number(p.fields[12]), 0) / TICKS_PER_S) * 1e6

/** Throws unless `dir` looks like a checkout of the kit with its dependencies installed. */
export function checkPeerDir(dir: string): void {
  if (!existsSync(join(dir, 'src/index.ts'))) throw new Error(`--peer-dir ${dir}: no src/index.ts; expected a checkout of bluesky-social/feed-generator`)
  if (!existsSync(join(dir, 'node_modules'))) throw new Error(`--peer-dir ${dir}: no node_modules; install its dependencies first (yarn)`)
}

function command(relative: string | undefined): { cmd: string; args: string[]; cwd?: string; what: string } {
  const tsx = import.meta.resolve('tsx')
  // Absolute: a relative command path would be resolved again from inside the checkout.
  const dir = relative === undefined ? undefined : resolve(relative)
  if (!dir) return { cmd: process.execPath, args: ['--import', tsx, fileURLToPath(new URL('./starter-kit-main.ts', import.meta.url))], what: 'starter-kit model (bench/peer/starter-kit.ts)' }
  checkPeerDir(dir)
  // `yarn start` is `ts-node src/index.ts`; without ts-node installed, tsx (ours) runs the same file.
  const tsNode = join(dir, 'node_modules/.bin/ts-node')
  return existsSync(tsNode)
    ? { cmd: tsNode, args: ['src/index.ts'], cwd: dir, what: `starter kit from ${dir} (ts-node src/index.ts)` }
    : { cmd: process.execPath, args: ['--import', tsx, 'src/index.ts'], cwd: dir, what: `starter kit from ${dir} (node --import tsx src/index.ts)` }
}

/** Starts the kit and waits (bounded) until its port accepts connections. */
export async function startKit(o: KitLaunch, timeoutMs = 120_000): Promise<KitProcess> {
  const port = await freePort()
  const c = command(o.dir)
  // Its firehose subscription gets a port nothing listens on, so it fetches nothing, and retries seldom.
  const closedPort = await freePort()
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    FEEDGEN_PORT: String(port),
    FEEDGEN_LISTENHOST: '127.0.0.1',
    FEEDGEN_HOSTNAME: 'bench.local',
    FEEDGEN_SQLITE_LOCATION: o.sqliteFile,
    FEEDGEN_SUBSCRIPTION_ENDPOINT: `ws://127.0.0.1:${closedPort}`,
    FEEDGEN_SUBSCRIPTION_RECONNECT_DELAY: '600000',
    FEEDGEN_PUBLISHER_DID: o.publisherDid,
    FEEDGEN_SERVICE_DID: o.serviceDid,
    BENCH_KIT_PLC_URL: o.plcUrl,
  }
  const log = openSync(o.logFile, 'a')
  const child = spawn(c.cmd, c.args, { cwd: c.cwd, env, detached: true, stdio: ['ignore', log, log] })
  closeSync(log)
  const pgid = child.pid
  if (pgid === undefined) throw new Error(`could not start ${c.what}`)
  let exited: string | undefined
  const gone = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    exited = `exited (${signal ?? code})`
    resolve()
  }))
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pgid, signal)
    } catch {
      // already gone
    }
  }
  // If the bench dies first, the kit must not outlive it.
  const onExit = () => killGroup('SIGKILL')
  process.once('exit', onExit)
  const stop = async () => {
    process.off('exit', onExit)
    killGroup('SIGTERM')
    await Promise.race([gone, sleep(5000)])
    killGroup('SIGKILL')
  }
  const deadline = performance.now() + timeoutMs
  while (!(await accepts(port))) {
    if (exited || performance.now() > deadline) {
      await stop()
      const tail = readFileSync(o.logFile, 'utf8').split('\n').slice(-20).join('\n')
      throw new Error(`${c.what} ${exited ?? `did not listen within ${timeoutMs / 1000} s`}; its log (${o.logFile}):\n${tail}`)
    }
    await sleep(100)
  }
  return { origin: `http://127.0.0.1:${port}`, what: c.what, cpuUs: () => groupCpuUs(pgid), stop }
}
