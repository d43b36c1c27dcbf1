import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { ResolutionCounts } from '../auth/counted-resolver.js'
import { REJECT_REASONS, type RejectReason } from '../core/commit-verifier.js'
import type { IndexerStats } from '../core/indexer.js'
import { NSID } from '../core/nsid.js'

/** Values read at scrape time from what the host already counts. */
export interface MetricSources {
  ingest: () => { frames: number; passed: number; malformed: number; batches: number; events: number; verified: number; rejected: Record<RejectReason, number> }
  socket: () => { connects: number; disconnects: number }
  stream: () => { connected: boolean; lagSeconds?: number }
  indexer: () => IndexerStats
  /** Feed pages answered from the page cache, and computed; undefined when the cache is off. */
  feedCache: () => { hits: number; misses: number } | undefined
  /** DID documents fetched, by what for (e.g. `auth` for service tokens, `pds` for backfills). */
  didResolutions: () => Record<string, ResolutionCounts>
  joinBackfill: () => { pending: number; done: number; failed: number; dropped: number; posts: number }
  firstStart: () => { repos?: { done: number; total: number } }
}

/** Request paths are labelled only when they are the service's own, so a scanner cannot grow the series. */
const ROUTES = new Set([...Object.values(NSID).map((n) => `/xrpc/${n}`), '/xrpc/_health', '/metrics', '/.well-known/did.json'])

/**
 * The Node host's Prometheus metrics (`GET /metrics`): process defaults, and the service's own
 * counters read when scraped, plus histograms of batches and feed requests as they happen.
 */
export class Metrics {
  readonly registry = new Registry()
  readonly #batchSize: Histogram
  readonly #batchSeconds: Histogram
  readonly #requests: Counter<'route' | 'status'>
  readonly #requestSeconds: Histogram<'route'>

  constructor(src: MetricSources) {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry })
    // A total the host keeps: prom-client counters only increase, so each scrape sets it afresh.
    const total = (name: string, help: string, read: () => number) =>
      new Counter({ name, help, registers, collect() { this.reset(); this.inc(read()) } })
    total('atrarium_stream_frames_total', 'Frames received from the stream.', () => src.ingest().frames)
    total('atrarium_stream_passed_total', 'Frames that passed stage 1.', () => src.ingest().passed)
    total('atrarium_stream_malformed_total', 'Frames or ops stage 2 could not decode.', () => src.ingest().malformed)
    total('atrarium_stream_reconnects_total', 'Times the stream connection was lost.', () => src.socket().disconnects)
    total('atrarium_ingest_batches_total', 'Batches committed.', () => src.ingest().batches)
    total('atrarium_commits_verified_total', 'Firehose commits verified (signature and MST proofs) before indexing.', () => src.ingest().verified)
    new Counter({
      name: 'atrarium_commits_rejected_total', help: 'Firehose commits refused, not indexed, by reason.', labelNames: ['reason'], registers,
      collect() { const r = src.ingest().rejected; this.reset(); for (const reason of REJECT_REASONS) this.inc({ reason }, r[reason]) },
    })
    new Gauge({ name: 'atrarium_stream_connected', help: '1 while the stream is connected.', registers, collect() { this.set(src.stream().connected ? 1 : 0) } })
    new Gauge({
      name: 'atrarium_stream_lag_seconds', help: 'Now minus the saved cursor time (Jetstream only).', registers,
      // NaN, not 0, when unknown (a firehose's seq is not a time): 0 would read as "caught up".
      collect() { this.set(src.stream().lagSeconds ?? Number.NaN) },
    })
    new Counter({
      name: 'atrarium_indexer_events_total', help: 'Events the indexer handled, by outcome (and collection when invalid).', labelNames: ['outcome', 'collection'], registers,
      collect() {
        const s = src.indexer()
        this.reset()
        this.inc({ outcome: 'indexed', collection: '' }, s.applied)
        this.inc({ outcome: 'not_member', collection: '' }, s.notMember)
        this.inc({ outcome: 'duplicate', collection: '' }, s.duplicate)
        this.inc({ outcome: 'failed', collection: '' }, s.failed)
        for (const [collection, n] of Object.entries(s.invalid)) this.inc({ outcome: 'invalid', collection }, n)
      },
    })
    new Counter({
      name: 'atrarium_feed_cache_total', help: 'Feed pages answered from the page cache (hit) or computed (miss).', labelNames: ['result'], registers,
      collect() { const c = src.feedCache() ?? { hits: 0, misses: 0 }; this.reset(); this.inc({ result: 'hit' }, c.hits); this.inc({ result: 'miss' }, c.misses) },
    })
    new Counter({
      name: 'atrarium_did_resolutions_total', help: 'DID documents fetched from the PLC or a did:web host, by purpose and outcome.', labelNames: ['purpose', 'outcome'], registers,
      collect() {
        this.reset()
        for (const [purpose, c] of Object.entries(src.didResolutions())) {
          this.inc({ purpose, outcome: 'ok' }, c.ok)
          this.inc({ purpose, outcome: 'failed' }, c.failed)
        }
      },
    })
    new Gauge({ name: 'atrarium_join_backfill_pending', help: 'Join backfills waiting.', registers, collect() { this.set(src.joinBackfill().pending) } })
    new Counter({
      name: 'atrarium_join_backfill_total', help: 'Join backfills since start, by outcome.', labelNames: ['outcome'], registers,
      collect() { const s = src.joinBackfill(); this.reset(); this.inc({ outcome: 'done' }, s.done); this.inc({ outcome: 'failed' }, s.failed); this.inc({ outcome: 'dropped' }, s.dropped) },
    })
    new Gauge({
      name: 'atrarium_backfill_repos', help: 'First-start backfill: repos done and in all.', labelNames: ['state'], registers,
      collect() { const r = src.firstStart().repos; this.set({ state: 'done' }, r?.done ?? 0); this.set({ state: 'total' }, r?.total ?? 0) },
    })
    this.#batchSize = new Histogram({ name: 'atrarium_ingest_batch_events', help: 'Events per committed batch.', buckets: [0, 1, 10, 50, 100, 250, 500, 1000, 5000], registers })
    this.#batchSeconds = new Histogram({ name: 'atrarium_ingest_batch_seconds', help: 'Time to decode and commit a batch.', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5], registers })
    this.#requests = new Counter({ name: 'atrarium_http_requests_total', help: 'Requests by route and status.', labelNames: ['route', 'status'], registers })
    this.#requestSeconds = new Histogram({ name: 'atrarium_http_request_seconds', help: 'Request latency by route.', labelNames: ['route'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2], registers })
  }

  batch(events: number, seconds: number): void {
    this.#batchSize.observe(events)
    this.#batchSeconds.observe(seconds)
  }

  request(path: string, status: number, seconds: number): void {
    const route = ROUTES.has(path) ? path : path.startsWith('/xrpc/') ? '/xrpc/other' : 'other'
    this.#requests.inc({ route, status: String(status) })
    this.#requestSeconds.observe({ route }, seconds)
  }
}
