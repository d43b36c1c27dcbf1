/**
 * The HTTP load generator the benchmarks drive, in its own process so it does not share the
 * server's event loop: wrk when it is on PATH, else autocannon. On a 2-core machine the generator
 * takes one core away from the server; wrk (C, one thread) takes much less of it than autocannon
 * (Node), so the two give different figures for the same server, and the notes say which one ran.
 *
 * A run sends one request (`requests` of length 1, the plain command line) or cycles through a list
 * of them in order, one list shared by all connections (wrk: a Lua `request()` over a table read
 * from a temp file; autocannon: a child process whose `setupRequest` picks the next one).
 */
import { execFile } from 'node:child_process'
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface LoadRequest {
  /** Path and query, from `/`. */
  path: string
  authorization?: string
}

export interface LoadResult {
  requests: number
  rps: number
  p50: number
  p99: number
  /** Socket errors plus non-2xx responses. */
  errors: number
  /** The serving process's CPU (user + system) per request: the server's cost, whatever the tool. */
  cpuUsPerReq?: number
}

export interface LoadTool {
  name: string
  /** How the notes describe a run at `connections`. */
  describe(connections: number): string
  /**
   * `started` is called just before the generator process starts, after this process has written
   * its files: a caller measuring its own CPU as the server's starts counting there.
   */
  run(origin: string, requests: readonly LoadRequest[], connections: number, seconds: number, started?: () => void): Promise<LoadResult>
}

const exec = (file: string, args: string[], seconds: number, started?: () => void) =>
  new Promise<string>((resolve, reject) => {
    started?.()
    execFile(file, args, { maxBuffer: 64 * 1024 * 1024, timeout: (seconds + 30) * 1000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)))
  })

/** A temp dir for one run's files, removed after `fn` whatever happens. */
async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'atrarium-load-'))
  try {
    return await fn(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** One request per line, `path<TAB>authorization`, the form both cycling scripts read. */
export const requestLines = (requests: readonly LoadRequest[]): string =>
  requests.map((r) => {
    if (/[\t\r\n]/.test(r.path + (r.authorization ?? ''))) throw new Error(`a request cannot hold a tab or newline: ${r.path}`)
    return `${r.path}\t${r.authorization ?? ''}\n`
  }).join('')

interface AutocannonJson { requests: { average: number; total: number }; latency: { p99: number; p50: number }; errors: number; non2xx: number }
const fromAutocannon = (j: AutocannonJson): LoadResult =>
  ({ requests: j.requests.total, rps: j.requests.average, p99: j.latency.p99, p50: j.latency.p50, errors: j.errors + j.non2xx })

const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js')
const cycleScript = fileURLToPath(new URL('./autocannon-cycle.mjs', import.meta.url))
const autocannon: LoadTool = {
  name: 'autocannon',
  describe: (c) => `autocannon -c${c} (Node, shares the 2 cores)`,
  async run(origin, requests, connections, seconds, started) {
    const [first] = requests
    if (!first) throw new Error('no request to send')
    if (requests.length === 1) {
      const header = first.authorization ? ['-H', `Authorization=${first.authorization}`] : []
      return fromAutocannon(JSON.parse(await exec(process.execPath, [autocannonBin, '-c', String(connections), '-d', String(seconds), ...header, '-j', origin + first.path], seconds, started)))
    }
    return withTempDir(async (dir) => {
      const file = join(dir, 'requests.tsv')
      writeFileSync(file, requestLines(requests))
      return fromAutocannon(JSON.parse(await exec(process.execPath, [cycleScript, origin, String(connections), String(seconds), file], seconds, started)))
    })
  },
}

// wrk's done() hook sees the whole latency histogram (µs); print what we need as one JSON line.
const WRK_REPORT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\\n{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"errors":%d,"non2xx":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
`

// Requests are formatted once in init() (wrk.headers.Host is set by then); request() only indexes.
const WRK_CYCLE = `
local reqs, n, i = {}, 0, 0
init = function(args)
  for line in io.lines(args[1]) do
    local path, auth = line:match('^([^\\t]*)\\t(.*)$')
    local headers = {}
    if auth ~= '' then headers['Authorization'] = auth end
    n = n + 1
    reqs[n] = wrk.format('GET', path, headers)
  end
end
request = function()
  i = i % n + 1
  return reqs[i]
end
`

function wrk(bin: string): LoadTool {
  return {
    name: 'wrk',
    describe: (c) => `wrk -t1 -c${c}`,
    run: (origin, requests, connections, seconds, started) => withTempDir(async (dir) => {
      const [first] = requests
      if (!first) throw new Error('no request to send')
      const script = join(dir, 'bench.lua')
      let extra: string[] = []
      let header: string[] = []
      if (requests.length === 1) {
        writeFileSync(script, WRK_REPORT)
        header = first.authorization ? ['-H', `Authorization: ${first.authorization}`] : []
      } else {
        const table = join(dir, 'requests.tsv')
        writeFileSync(table, requestLines(requests))
        writeFileSync(script, WRK_CYCLE + WRK_REPORT)
        extra = ['--', table]
      }
      // One thread: the server has one event loop, and the rest of the machine is its. wrk's default
      // 2 s timeout would drop a slow server's tail from its latencies; 10 s is autocannon's.
      const out = await exec(bin, ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', ...header, '-s', script, origin + first.path, ...extra], seconds, started)
      const line = out.split('\n').findLast((l) => l.startsWith('{'))
      if (!line) throw new Error(`wrk printed no report:\n${out}`)
      const j = JSON.parse(line) as { requests: number; duration_us: number; p50_us: number; p99_us: number; errors: number; non2xx: number }
      return { requests: j.requests, rps: j.requests / (j.duration_us / 1e6), p50: j.p50_us / 1000, p99: j.p99_us / 1000, errors: j.errors + j.non2xx }
    }),
  }
}

const executable = (file: string) => {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}
const onPath = (name: string) => (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, name)).find(executable)

/** wrk if installed (BENCH_HTTP_TOOL=autocannon forces the fallback), else autocannon. */
export function loadTool(): LoadTool {
  const bin = process.env.BENCH_HTTP_TOOL === 'autocannon' ? undefined : onPath('wrk')
  return bin ? wrk(bin) : autocannon
}
