/**
 * Freshness: a probe post is published on a local Jetstream-like server (the test FakeJetstream,
 * in process) amid generated filler frames; the time until getFeedSkeleton (production FeedService)
 * shows it on top. StreamIngest runs with its default batching window.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FeedService } from '../src/core/feed-service.js'
import { Indexer } from '../src/core/indexer.js'
import { silentLogger } from '../src/core/logger.js'
import { NSID } from '../src/core/nsid.js'
import { US_PER_DAY } from '../src/core/time.js'
import { jetstreamSource } from '../src/ingest/jetstream-source.js'
import { StreamIngest } from '../src/ingest/stream-ingest.js'
import { SqlStore } from '../src/store/sql-store.js'
import { SqliteDriver } from '../src/store/sqlite-driver.js'
import { FakeJetstream } from '../test/support/fake-jetstream.js'
import { createStream } from '../test/support/stream-generator.js'
import { median, percentile, sleep, until, type Figure } from './lib.js'

/** StreamIngest's default maxWaitMs (src/ingest/stream-ingest.ts). */
export const BATCH_WINDOW_MS = 25

export async function benchFreshness(opts: { probes?: number; fillerPerProbe?: number; runs?: number } = {}): Promise<Figure[]> {
  const probes = opts.probes ?? 150
  const filler = opts.fillerPerProbe ?? 100
  const p50s: number[] = []
  const p99s: number[] = []
  for (let run = 0; run < (opts.runs ?? 2); run++) {
    const server = await FakeJetstream.start()
    const dir = mkdtempSync(join(tmpdir(), 'atrarium-bench-fresh-'))
    const driver = new SqliteDriver(join(dir, 'index.sqlite'))
    const store = new SqlStore(driver)
    const retentionUs = 7 * US_PER_DAY
    const indexer = new Indexer({ store, log: silentLogger, retentionUs })
    const feeds = new FeedService({ store, serviceDid: 'did:web:bench.local', minSortUs: () => indexer.minSortUs() })
    const ingest = new StreamIngest({ source: jetstreamSource({ url: server.url }), store, indexer, log: silentLogger })
    try {
      const gen = createStream({ seed: 11 + run, communities: 100 })
      ingest.start()
      await server.connected(1)
      const setup = gen.setup()
      for (const f of setup) server.publish(f)
      await until(() => ingest.stats.frames >= setup.length, 'setup')
      await ingest.idle()
      const c = gen.communities[0]!
      const member = gen.members[0]![0]!
      const feed = `at://${c.owner}/${NSID.feedGenerator}/${c.id}`
      const lat: number[] = []
      let timeUs = 0
      for (let p = 0; p < probes; p++) {
        for (let i = 0; i < filler; i++) {
          const f = gen.next()
          timeUs = f.timeUs
          server.publish(f.raw, f.timeUs)
        }
        const rkey = `3lprobe${run}${p.toString(36).padStart(5, '0')}`
        const uri = `at://${member}/${NSID.post}/${rkey}`
        timeUs += 5_000 // clear of the fillers' ms-precision createdAt
        const raw = JSON.stringify({ did: member, time_us: timeUs, kind: 'commit', commit: { rev: `3m${timeUs.toString(36)}`, operation: 'create', collection: NSID.post, rkey, record: { $type: NSID.post, text: `probe ${c.hashtag}`, langs: ['en'], createdAt: new Date(timeUs / 1000).toISOString() }, cid: `bafyrei${'c'.repeat(52)}` } })
        const t0 = performance.now()
        server.publish(raw, timeUs)
        for (;;) {
          const page = feeds.getFeedSkeleton({ feed, limit: 3 })
          if (page.ok && page.value.feed.some((e) => e.post === uri)) break
          if (performance.now() - t0 > 5_000) throw new Error(`probe never became visible: ${JSON.stringify({ page, stats: ingest.stats, ix: indexer.stats, n: driver.all('SELECT count(*) n FROM posts'), c: store.communitiesWithId(c.id)[0]?.id })}`)
          await sleep(0.5)
        }
        lat.push(performance.now() - t0)
        await sleep(5 + (p % 7) * 3)
      }
      p50s.push(median(lat))
      p99s.push(percentile(lat, 99))
    } finally {
      await ingest.close()
      await server.close()
      driver.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
  return [
    { key: 'freshness_ms', figure: `freshness: frame sent → visible in getFeedSkeleton (window ${BATCH_WINDOW_MS} ms)`, unit: 'ms', median: median(p50s), p99: median(p99s), runs: p99s, target: { op: '<=', value: BATCH_WINDOW_MS + 50, label: `p99 ≤ ${BATCH_WINDOW_MS + 50} ms (window + 50)` }, note: `${probes} probes per run, ${filler} filler frames before each; p99 is the median of per-run p99s` },
  ]
}
