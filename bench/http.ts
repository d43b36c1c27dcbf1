/**
 * HTTP load: the production Hono app (createApp + FeedService) served by @hono/node-server on
 * 127.0.0.1, loaded at 50 connections against the 1M-post community's first page for a bounded
 * duration. The load generator runs in its own process (so it does not share this event loop):
 * wrk when it is on PATH, else autocannon. On a 2-core machine the generator takes one core
 * away from the server; wrk (C, one thread) takes much less of it than autocannon (Node), so
 * the two give different figures for the same server, and the note says which one ran.
 */
import { createServiceJwt } from '@atcute/xrpc-server/auth'
import { execFile } from 'node:child_process'
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { serve } from '@hono/node-server'
import { createApp, type Feeds } from '../src/api/app.js'
import { ServiceAuthVerifier } from '../src/auth/service-auth-verifier.js'
import { loadConfig } from '../src/config.js'
import { FeedService } from '../src/core/feed-service.js'
import { silentLogger } from '../src/core/logger.js'
import { NSID } from '../src/core/nsid.js'
import { SkeletonCache } from '../src/core/skeleton-cache.js'
import { createKey, didDocument, FakePlc } from '../test/support/fake-plc.js'
import { pooledJwtSignature } from '../src/node/pooled-signature.js'
import { SERVER_OPTIONS } from '../src/node/server-options.js'
import type { Dataset } from './dataset.js'
import { log, median, type Figure } from './lib.js'

interface LoadResult {
  requests: number
  rps: number
  p50: number
  p99: number
  /** Socket errors plus non-2xx responses. */
  errors: number
  /** This process's CPU (user + system) per request: the server's cost, whatever the tool. */
  cpuUsPerReq?: number
}

// The Node host's defaults, as `npm start` runs with no environment.
const defaults = loadConfig({})
if (!defaults.ok) throw new Error(defaults.error)
const HOST_DEFAULTS = defaults.value

type LoadTool = { name: string; run(url: string, connections: number, seconds: number, authorization?: string): Promise<LoadResult> }

const run = (file: string, args: string[], seconds: number) =>
  new Promise<string>((resolve, reject) => {
    execFile(file, args, { maxBuffer: 64 * 1024 * 1024, timeout: (seconds + 30) * 1000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)))
  })

const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js')
const autocannon: LoadTool = {
  name: 'autocannon',
  async run(url, connections, seconds, authorization) {
    const header = authorization ? ['-H', `Authorization=${authorization}`] : []
    const out = await run(process.execPath, [autocannonBin, '-c', String(connections), '-d', String(seconds), ...header, '-j', url], seconds)
    const j = JSON.parse(out) as { requests: { average: number; total: number }; latency: { p99: number; p50: number }; errors: number; non2xx: number }
    return { requests: j.requests.total, rps: j.requests.average, p99: j.latency.p99, p50: j.latency.p50, errors: j.errors + j.non2xx }
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

function wrk(bin: string): LoadTool {
  return {
    name: 'wrk',
    async run(url, connections, seconds, authorization) {
      const dir = mkdtempSync(join(tmpdir(), 'atrarium-wrk-'))
      try {
        const script = join(dir, 'report.lua')
        writeFileSync(script, WRK_REPORT)
        // One thread: the server has one event loop, and the rest of the machine is its.
        const header = authorization ? ['-H', `Authorization: ${authorization}`] : []
        const out = await run(bin, ['-t1', `-c${connections}`, `-d${seconds}s`, ...header, '-s', script, url], seconds)
        const line = out.split('\n').findLast((l) => l.startsWith('{'))
        if (!line) throw new Error(`wrk printed no report:\n${out}`)
        const j = JSON.parse(line) as { requests: number; duration_us: number; p50_us: number; p99_us: number; errors: number; non2xx: number }
        return { requests: j.requests, rps: j.requests / (j.duration_us / 1e6), p50: j.p50_us / 1000, p99: j.p99_us / 1000, errors: j.errors + j.non2xx }
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
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

interface LoadOptions {
  label: string
  runs: number
  seconds: number
  warm: boolean
  /** An `Authorization` header for every request, and the PLC its issuer resolves at. */
  auth?: { authorization: string; plcUrl: string }
}

/** Serves `feeds` as the Node host does and loads `url` at 50 connections, `runs` times. */
async function load(feeds: Feeds, path: string, opts: LoadOptions): Promise<LoadResult[]> {
  const tool = loadTool()
  // As the Node host builds it, service auth included. Anonymous requests (no token) never make
  // the verifier resolve a DID, so its PLC then is a closed port.
  const auth = new ServiceAuthVerifier({ serviceDid: SERVICE_DID, plcUrl: opts.auth?.plcUrl ?? 'http://127.0.0.1:9', verifySignature: pooledJwtSignature })
  const app = createApp({ feeds, hostname: 'bench.local', log: silentLogger, auth })
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0, serverOptions: SERVER_OPTIONS })
  await new Promise<void>((r) => (server.listening ? r() : server.once('listening', () => r())))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`
  try {
    const authorization = opts.auth?.authorization
    const check = await fetch(url, authorization ? { headers: { authorization } } : {})
    if (check.status !== 200) throw new Error(`getFeedSkeleton answered ${check.status}`)
    if (opts.warm) await tool.run(url, 50, 2, authorization)
    const res: LoadResult[] = []
    for (let r = 0; r < opts.runs; r++) {
      const cpu0 = process.cpuUsage()
      const last = await tool.run(url, 50, opts.seconds, authorization)
      const cpu = process.cpuUsage(cpu0)
      last.cpuUsPerReq = (cpu.user + cpu.system) / last.requests
      res.push(last)
      log(`http ${opts.label} run ${r + 1} (${tool.name}): ${last.rps.toFixed(0)} req/s, p50 ${last.p50.toFixed(2)} ms, p99 ${last.p99.toFixed(2)} ms, server CPU ${last.cpuUsPerReq.toFixed(0)} µs/req`)
    }
    return res
  } finally {
    await new Promise<void>((r) => server.close(() => r()))
  }
}

const WRITE_EVERY_MS = 25
const SERVICE_DID = 'did:web:bench.local'

/**
 * A viewer's service JWT as the AppView sends with every getFeedSkeleton it forwards: secp256k1
 * (the key type of nearly every account), its DID document served by a local PLC. Tokens are not
 * cached (the AppView signs each request anew), so one token costs what many would.
 */
async function viewerToken(plc: FakePlc): Promise<string> {
  const did = 'did:plc:benchviewer00000000000000'
  const key = await createKey('k256')
  plc.docs.set(did, await didDocument(did, { atproto: key }))
  const token = await createServiceJwt({ keypair: key, issuer: did, audience: SERVICE_DID, lxm: NSID.getFeedSkeleton, expiresIn: 600 })
  return `Bearer ${token}`
}

/**
 * Three runs against the 1M-post community's first page: as the Node host runs by default (its page
 * cache on, the target's figure); the same while a post lands in that community every 25 ms (each
 * write empties the cache, as live ingest does); and with the cache off (every request queries
 * SQLite).
 */
export async function benchHttp(ds: Dataset, opts: { seconds?: number; runs?: number } = {}): Promise<Figure[]> {
  const seconds = opts.seconds ?? 8
  const tool = loadTool()
  const path = `/xrpc/app.bsky.feed.getFeedSkeleton?feed=${encodeURIComponent(ds.big.feed)}&limit=50`
  const host = (cache: boolean) => new FeedService({
    store: ds.store, serviceDid: 'did:web:bench.local', minSortUs: ds.minSortUs, log: silentLogger,
    ...(cache ? { cache: new SkeletonCache({ maxEntries: HOST_DEFAULTS.feedCacheSize }) } : {}),
  })
  const cached = await load(host(true), path, { label: 'host defaults', runs: opts.runs ?? 2, seconds, warm: true })
  let n = 0
  const writer = setInterval(() => {
    const rkey = `3zz${(n++).toString(36).padStart(10, '2')}`
    ds.store.putPost({ community: ds.big.uri, uri: `at://did:plc:benchwriter/${NSID.post}/${rkey}`, sortUs: ds.nowUs + n, hidden: false })
  }, WRITE_EVERY_MS)
  let written: LoadResult[]
  try {
    written = await load(host(true), path, { label: `write every ${WRITE_EVERY_MS} ms`, runs: 1, seconds, warm: false })
  } finally {
    clearInterval(writer)
    ds.store.transaction(() => {
      for (let i = 0; i < n; i++) ds.store.deletePost(`at://did:plc:benchwriter/${NSID.post}/3zz${i.toString(36).padStart(10, '2')}`)
    })
  }
  const uncached = await load(host(false), path, { label: 'cache off', runs: 1, seconds, warm: false })
  const plc = await FakePlc.start()
  let authed: LoadResult[]
  try {
    authed = await load(host(true), path, { label: 'with a service JWT', runs: 1, seconds, warm: false, auth: { authorization: await viewerToken(plc), plcUrl: plc.url } })
  } finally {
    await plc.close()
  }
  const how = tool.name === 'wrk' ? 'wrk -t1 -c50' : 'autocannon -c50 (Node, shares the 2 cores)'
  const errors = (rs: LoadResult[]) => rs.reduce((e, r) => e + r.errors, 0)
  const cpu = (rs: LoadResult[]) => median(rs.map((r) => r.cpuUsPerReq!))
  const note = (rs: LoadResult[], what: string) => `${rs.length} × ${seconds} s, ${how}, ${what}; ${errors(rs)} errors/non-2xx; server CPU ${cpu(rs).toFixed(0)} µs/req`
  const rows = (key: string, label: string, rs: LoadResult[], what: string, target: boolean): Figure[] => [
    { key: `${key}_rps_50c`, figure: `HTTP getFeedSkeleton${label}, 50 connections, req/s`, unit: 'req/s', median: median(rs.map((r) => r.rps)), runs: rs.map((r) => r.rps), note: note(rs, what), ...(target ? { target: { op: '>=' as const, value: 5000, label: '≥ 5,000 req/s' } } : {}) },
    { key: `${key}_latency_50c`, figure: `HTTP getFeedSkeleton${label}, 50 connections, latency`, unit: 'ms', median: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), runs: rs.map((r) => r.p99), note: note(rs, what), ...(target ? { target: { op: '<=' as const, value: 20, label: 'p99 ≤ 20 ms' } } : {}) },
    { key: `${key}_server_cpu_us_per_req`, figure: `HTTP getFeedSkeleton${label}, server CPU per request`, unit: 'µs', median: cpu(rs), runs: rs.map((r) => r.cpuUsPerReq!), note: 'user + system CPU of the serving process over the run, divided by requests answered' },
  ]
  return [
    ...rows('http', ' (host defaults)', cached, `page cache on (${HOST_DEFAULTS.feedCacheSize} pages)`, true),
    ...rows('http_writes', `, a write every ${WRITE_EVERY_MS} ms`, written, `${n} posts written into the community during the run, each emptying the cache`, false),
    ...rows('http_uncached', ' (cache off)', uncached, 'ATRARIUM_FEED_CACHE_SIZE=0: every request queries SQLite', false),
    ...rows('http_jwt', ' with a viewer\'s service JWT', authed, 'host defaults; every request carries a secp256k1 service JWT, verified each time on the thread pool (node:crypto, ~1 ms of CPU)', false),
  ]
}
