/**
 * HTTP load: the production Hono app (createApp + FeedService) served by @hono/node-server on
 * 127.0.0.1; autocannon runs in its own process (so it does not share this event loop) for a
 * bounded duration at 50 connections against the 1M-post community's first page.
 */
import { execFile } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { serve } from '@hono/node-server'
import { createApp } from '../src/api/app.js'
import { silentLogger } from '../src/core/logger.js'
import type { Dataset } from './dataset.js'
import { log, median, type Figure } from './lib.js'

const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js')

function autocannon(url: string, connections: number, seconds: number): Promise<{ rps: number; p99: number; p50: number; errors: number; non2xx: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [autocannonBin, '-c', String(connections), '-d', String(seconds), '-j', url], { maxBuffer: 64 * 1024 * 1024, timeout: (seconds + 30) * 1000 }, (err, stdout) => {
      if (err) return reject(err)
      const j = JSON.parse(stdout) as { requests: { average: number }; latency: { p99: number; p50: number }; errors: number; non2xx: number }
      resolve({ rps: j.requests.average, p99: j.latency.p99, p50: j.latency.p50, errors: j.errors, non2xx: j.non2xx })
    })
  })
}

export async function benchHttp(ds: Dataset, opts: { seconds?: number; runs?: number } = {}): Promise<Figure[]> {
  const seconds = opts.seconds ?? 8
  const app = createApp({ feeds: ds.feeds, hostname: 'bench.local', log: silentLogger })
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 })
  await new Promise<void>((r) => (server.listening ? r() : server.once('listening', () => r())))
  const port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}/xrpc/app.bsky.feed.getFeedSkeleton?feed=${encodeURIComponent(ds.big.feed)}&limit=50`
  try {
    const check = await fetch(url)
    if (check.status !== 200) throw new Error(`getFeedSkeleton answered ${check.status}`)
    await autocannon(url, 50, 2) // warm-up
    const res = []
    for (let r = 0; r < (opts.runs ?? 2); r++) {
      res.push(await autocannon(url, 50, seconds))
      log(`http run ${r + 1}: ${res.at(-1)!.rps.toFixed(0)} req/s, p99 ${res.at(-1)!.p99} ms`)
    }
    const errors = res.reduce((n, r) => n + r.errors + r.non2xx, 0)
    return [
      { key: 'http_rps_50c', figure: 'HTTP getFeedSkeleton, 50 connections, req/s', unit: 'req/s', median: median(res.map((r) => r.rps)), runs: res.map((r) => r.rps), target: { op: '>=', value: 5000, label: '≥ 5,000 req/s' }, note: `${res.length} × ${seconds} s autocannon; ${errors} errors/non-2xx` },
      { key: 'http_latency_50c', figure: 'HTTP getFeedSkeleton, 50 connections, latency', unit: 'ms', median: median(res.map((r) => r.p50)), p99: median(res.map((r) => r.p99)), runs: res.map((r) => r.p99), target: { op: '<=', value: 20, label: 'p99 ≤ 20 ms' } },
    ]
  } finally {
    await new Promise<void>((r) => server.close(() => r()))
  }
}
