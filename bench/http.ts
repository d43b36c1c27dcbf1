/**
 * HTTP load: the production Hono app (createApp + FeedService) served by @hono/node-server on
 * 127.0.0.1, loaded at 50 connections against the 1M-post community's first page for a bounded
 * duration, by bench/load-tool.ts (wrk, else autocannon) in its own process.
 */
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { createApp, type Feeds } from '../src/api/app.js'
import { ServiceAuthVerifier } from '../src/auth/service-auth-verifier.js'
import { loadConfig } from '../src/config.js'
import { FeedService } from '../src/core/feed-service.js'
import { silentLogger } from '../src/core/logger.js'
import { NSID } from '../src/core/nsid.js'
import { SkeletonCache } from '../src/core/skeleton-cache.js'
import { FakePlc } from '../test/support/fake-plc.js'
import { hostSignatureCheck, verifierSignatures } from '../src/node/native-signature.js'
import { SERVER_OPTIONS } from '../src/node/server-options.js'
import type { Dataset } from './dataset.js'
import { log, median, type Figure } from './lib.js'
import { loadTool, type LoadResult } from './load-tool.js'
import { bearer, registerViewers, SERVICE_DID } from './viewer-tokens.js'

// The Node host's defaults, as `npm start` runs with no environment.
const defaults = loadConfig({})
if (!defaults.ok) throw new Error(defaults.error)
const HOST_DEFAULTS = defaults.value

export interface Served {
  origin: string
  close(): Promise<void>
}

/**
 * Serves `feeds` as the Node host does: createApp with service auth (a new ServiceAuthVerifier, so
 * nothing it caches carries over from another server), @hono/node-server with the host's options.
 * Anonymous requests never make the verifier resolve a DID, so without a PLC it is a closed port.
 */
export async function serveOurs(feeds: Feeds, plcUrl = 'http://127.0.0.1:9'): Promise<Served> {
  const signatures = hostSignatureCheck()
  const auth = new ServiceAuthVerifier({ serviceDid: SERVICE_DID, plcUrl, ...verifierSignatures(signatures) })
  const app = createApp({ feeds, hostname: 'bench.local', log: silentLogger, auth })
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0, serverOptions: SERVER_OPTIONS })
  await new Promise<void>((r) => (server.listening ? r() : server.once('listening', () => r())))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()))
      await signatures.close()
    },
  }
}

/** A FeedService over the dataset as the Node host builds it, its page cache on (host default size) or off. */
export const ourFeeds = (ds: Dataset, cache: boolean) => new FeedService({
  store: ds.store, serviceDid: SERVICE_DID, minSortUs: ds.minSortUs, log: silentLogger,
  ...(cache ? { cache: new SkeletonCache({ maxEntries: HOST_DEFAULTS.feedCacheSize }) } : {}),
})

interface LoadOptions {
  label: string
  runs: number
  seconds: number
  warm: boolean
  /** An `Authorization` header for every request, and the PLC its issuer resolves at. */
  auth?: { authorization: string; plcUrl: string }
}

/** Serves `feeds` as the Node host does and loads `path` at 50 connections, `runs` times. */
async function load(feeds: Feeds, path: string, opts: LoadOptions): Promise<LoadResult[]> {
  const tool = loadTool()
  const served = await serveOurs(feeds, opts.auth?.plcUrl)
  try {
    const request = { path, ...(opts.auth ? { authorization: opts.auth.authorization } : {}) }
    const check = await fetch(served.origin + path, request.authorization ? { headers: { authorization: request.authorization } } : {})
    if (check.status !== 200) throw new Error(`getFeedSkeleton answered ${check.status}`)
    if (opts.warm) await tool.run(served.origin, [request], 50, 2)
    const res: LoadResult[] = []
    for (let r = 0; r < opts.runs; r++) {
      const cpu0 = process.cpuUsage()
      const last = await tool.run(served.origin, [request], 50, opts.seconds)
      const cpu = process.cpuUsage(cpu0)
      last.cpuUsPerReq = (cpu.user + cpu.system) / last.requests
      res.push(last)
      log(`http ${opts.label} run ${r + 1} (${tool.name}): ${last.rps.toFixed(0)} req/s, p50 ${last.p50.toFixed(2)} ms, p99 ${last.p99.toFixed(2)} ms, server CPU ${last.cpuUsPerReq.toFixed(0)} µs/req`)
    }
    return res
  } finally {
    await served.close()
  }
}

const WRITE_EVERY_MS = 25

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
  const host = (cache: boolean) => ourFeeds(ds, cache)
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
    // Tokens are not cached (the AppView signs each request anew), so one token costs what many would.
    const [viewer] = await registerViewers(plc, 1)
    authed = await load(host(true), path, { label: 'with a service JWT', runs: 1, seconds, warm: false, auth: { authorization: await bearer(viewer!), plcUrl: plc.url } })
  } finally {
    await plc.close()
  }
  const how = tool.describe(50)
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
    ...rows('http_jwt', ' with a viewer\'s service JWT', authed, 'host defaults; every request carries the same secp256k1 service JWT, as the AppView reuses a viewer\'s token until its exp: verified once (libsecp256k1), then answered from the verified-token map', false),
  ]
}
