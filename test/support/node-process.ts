import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export async function freePort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const { port } = srv.address() as { port: number }
  await new Promise((resolve) => srv.close(resolve))
  return port
}

/**
 * The live processes of process group `pgid`, each with its /proc/<pid>/stat fields from field 3
 * (state) on: field N is `fields[N - 3]`. Empty where /proc is missing (not Linux).
 */
export function groupStats(pgid: number): { pid: string; fields: string[] }[] {
  let pids: string[]
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p))
  } catch {
    return []
  }
  return pids.flatMap((pid) => {
    try {
      // Field 5 of stat is the process group; the command name (field 2) may hold spaces, so count from ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      return Number(fields[2]) === pgid ? [{ pid, fields }] : []
    } catch {
      return [] // gone between the listing and the read
    }
  })
}

/**
 * The real `npm start`, in its own process group so that a signal reaches npm, the shell and
 * node together, and nothing is left behind.
 */
export class NodeHost {
  readonly lines: string[] = []
  readonly exited: Promise<number | null>
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    keepLines: number,
  ) {
    let buf = ''
    const onData = (d: Buffer) => {
      buf += d.toString('utf8')
      const parts = buf.split('\n')
      buf = parts.pop() ?? ''
      this.lines.push(...parts)
      // A long run (the soak) keeps only the latest lines, for its error messages.
      if (this.lines.length > keepLines) this.lines.splice(0, this.lines.length - keepLines)
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    // 'close', not 'exit': npm may die first, and node holds the pipes until it is done.
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve(code)))
  }

  static async start(env: Record<string, string>, opts: { keepLines?: number; startTimeoutMs?: number } = {}): Promise<NodeHost> {
    const port = await freePort()
    const child = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Offline by default: a test that wants the first-start backfill names its relay.
      env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ATRARIUM_BACKFILL_RELAY: '', ...env },
    })
    const host = new NodeHost(child, port, opts.keepLines ?? Infinity)
    try {
      await host.waitFor(async () => (await host.health().catch(() => undefined)) !== undefined, opts.startTimeoutMs ?? 30_000, 'server to listen')
    } catch (e) {
      // The caller never gets the host to stop: nothing may outlive a failed start.
      await host.stop('SIGKILL')
      throw e
    }
    return host
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`
  }

  async get(path: string): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.base}${path}`)
    return { status: res.status, body: await res.json() }
  }

  async health(): Promise<{ cursor: number | null; ingest: Record<string, number>; indexer: { invalid: Record<string, number> } }> {
    const r = await this.get('/xrpc/_health')
    return r.body
  }

  /** Waits until ingestion has committed `timeUs`: the end-to-end processAll(). */
  async caughtUp(timeUs: number, timeoutMs = 10_000): Promise<void> {
    await this.waitFor(async () => ((await this.health()).cursor ?? 0) >= timeUs, timeoutMs, `cursor ${timeUs}`)
  }

  async waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (await check()) return
      if (this.child.exitCode !== null) throw new Error(`host exited (${this.child.exitCode}) waiting for ${what}\n${this.lines.slice(-20).join('\n')}`)
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${this.lines.slice(-20).join('\n')}`)
      await new Promise((r) => setTimeout(r, 25))
    }
  }

  /** True once the host logged a clean stop (node's own exit 0; npm's code reflects the signal). */
  get stoppedCleanly(): boolean {
    return this.lines.some((l) => l.includes('"msg":"stopped"'))
  }

  /**
   * The resident set of the largest process in this host's process group (node, not npm), in KiB,
   * from /proc (Linux); undefined once the group is gone or where /proc is missing.
   */
  rssKiB(): number | undefined {
    const group = this.child.pid
    if (group === undefined) return undefined
    let max: number | undefined
    for (const { pid } of groupStats(group)) {
      try {
        const kib = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
        if (Number.isFinite(kib) && (max === undefined || kib > max)) max = kib
      } catch {} // gone since the listing
    }
    return max
  }

  /** Signals the whole process group and waits until every process in it is done. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      try {
        process.kill(-this.child.pid!, signal)
      } catch {}
    }
    return this.exited
  }
}
