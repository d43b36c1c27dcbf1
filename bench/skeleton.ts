/** In-process skeleton latency through the production FeedService on the shared dataset. */
import { encodeFeedCursor } from '../src/core/feed-cursor.js'
import type { Dataset } from './dataset.js'
import { median, percentile, sampleMs, type Figure } from './lib.js'

function deepCursor(ds: Dataset, depth: number): string {
  // A real cursor, reached by paging 100 at a time.
  let cursor: string | undefined
  for (let seen = 0; seen < depth; seen += 100) {
    const page = ds.feeds.getFeedSkeleton({ feed: ds.big.feed, limit: 100, ...(cursor ? { cursor } : {}) })
    if (!page.ok || !page.value.cursor) throw new Error('paging stopped early')
    cursor = page.value.cursor
  }
  return cursor!
}

export function benchSkeleton(ds: Dataset, opts: { samples?: number; runs?: number } = {}): Figure[] {
  const n = opts.samples ?? 3000
  const runs = opts.runs ?? 3
  const deep = deepCursor(ds, 10_000)
  void encodeFeedCursor
  const cases = [
    { key: 'skeleton_big_first', figure: `skeleton, ${ds.big.posts.toLocaleString('en')}-post community, first page (50)`, feed: ds.big.feed, target: true },
    { key: 'skeleton_big_deep', figure: 'skeleton, same, page 10,000 posts deep (cursor)', feed: ds.big.feed, cursor: deep, target: true },
    { key: 'skeleton_small_first', figure: `skeleton, ${ds.smallPosts.toLocaleString('en')}-post community, first page (50)`, feed: 'small' },
    { key: 'skeleton_mixed_first', figure: 'skeleton, mixed feed own 60 / parent 30 / global 10, first page (50)', feed: ds.child.feed },
  ]
  const out: Figure[] = []
  for (const c of cases) {
    const p50: number[] = []
    const p99: number[] = []
    for (let r = 0; r < runs; r++) {
      let i = 0
      const xs = sampleMs(() => {
        const feed = c.feed === 'small' ? ds.small[i++ % ds.small.length]!.feed : c.feed
        const res = ds.feeds.getFeedSkeleton({ feed, limit: 50, ...(c.cursor ? { cursor: c.cursor } : {}) })
        if (!res.ok || res.value.feed.length !== 50) throw new Error(`bad page for ${c.key}`)
      }, n)
      p50.push(median(xs))
      p99.push(percentile(xs, 99))
    }
    out.push({ key: c.key, figure: c.figure, unit: 'ms', median: median(p50), p99: median(p99), runs: p99, ...(c.target ? { target: { op: '<=' as const, value: 1, label: 'p99 ≤ 1 ms' } } : {}), note: `${n} calls × ${runs} runs` })
  }
  return out
}
