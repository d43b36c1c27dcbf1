/**
 * Retention: the production RetentionJob (purgePosts in 500-row chunks, yielding between them)
 * removes the 1M-post community's oldest day while skeleton requests keep arriving; skeleton
 * latency is measured on calls interleaved with the chunks. The WAL is checkpointed by the host's
 * WalCheckpointer, in a worker thread.
 */
import { RetentionJob } from '../src/node/retention-job.js'
import { WalCheckpointer } from '../src/node/wal-checkpointer.js'
import { silentLogger } from '../src/core/logger.js'
import type { Dataset } from './dataset.js'
import { percentile, type Figure } from './lib.js'

export async function benchRetention(ds: Dataset): Promise<Figure[]> {
  // As the Node host runs: WAL checkpoints in a worker thread, not inside a purge chunk's commit.
  const checkpointer = new WalCheckpointer({ driver: ds.driver, log: silentLogger })
  checkpointer.start()
  try {
    return await measure(ds)
  } finally {
    await checkpointer.close()
  }
}

async function measure(ds: Dataset): Promise<Figure[]> {
  const job = new RetentionJob({ store: ds.store, log: silentLogger, minSortUs: ds.minSortUs })
  const lat: number[] = []
  // Every request waits for the chunk in progress: `waited` is what a client sees, `call` the query alone.
  const waited: number[] = []
  let done = false
  const t0 = performance.now()
  const purge = job.run().finally(() => (done = true))
  const serve = (async () => {
    while (!done) {
      const asked = performance.now()
      await new Promise((r) => setImmediate(r))
      const t = performance.now()
      const res = ds.feeds.getFeedSkeleton({ feed: ds.big.feed, limit: 50 })
      if (!res.ok) throw new Error('skeleton failed during purge')
      lat.push(performance.now() - t)
      waited.push(performance.now() - asked)
    }
  })()
  const purged = await purge
  const seconds = (performance.now() - t0) / 1000
  await serve
  return [
    { key: 'retention_purge_s', figure: `retention: purge one day (${purged.toLocaleString('en')} posts) of the 1M community`, unit: 's', median: seconds, note: `${(purged / seconds).toFixed(0)} posts/s, ${lat.length} skeleton calls served meanwhile` },
    { key: 'retention_skeleton_ms', figure: 'skeleton during purge (query alone)', unit: 'ms', median: percentile(lat, 50), p99: percentile(lat, 99) },
    { key: 'retention_skeleton_wait_ms', figure: 'skeleton during purge (incl. wait for the chunk in progress)', unit: 'ms', median: percentile(waited, 50), p99: percentile(waited, 99) },
  ]
}
