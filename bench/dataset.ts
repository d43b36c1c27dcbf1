/**
 * The skeleton/HTTP/footprint/retention dataset, built once per run into a temp SQLite file
 * through the production SqliteDriver + SqlStore (putConfig/putMembership/putPost), one
 * transaction per chunk.
 *
 *  - SMALL communities × SMALL_POSTS posts each (default 1,000 × 10,000; BENCH_SMALL_POSTS scales it),
 *    spread over the last 7 days;
 *  - one "big" community of BIG posts (default 1,000,000), spread over the last 8 days, so its oldest
 *    day is outside the 7-day retention and is what the retention benchmark purges;
 *  - a "child" community with feedMix {own:60,parent:30,global:10} whose parent is the big one.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { communityIdOf, configUriOf, hashtagOf } from '../src/core/community-id.js'
import { FeedService } from '../src/core/feed-service.js'
import { silentLogger } from '../src/core/logger.js'
import { NSID } from '../src/core/nsid.js'
import { validateConfig } from '../src/core/record-validation.js'
import { US_PER_DAY } from '../src/core/time.js'
import { SqlStore } from '../src/store/sql-store.js'
import { SqliteDriver } from '../src/store/sqlite-driver.js'
import { log } from './lib.js'

export interface Dataset {
  dir: string
  file: string
  driver: SqliteDriver
  store: SqlStore
  feeds: FeedService
  nowUs: number
  retentionUs: number
  minSortUs: () => number
  big: { id: string; uri: string; feed: string; posts: number; rows(): Iterable<{ uri: string; sortUs: number }> }
  child: { id: string; feed: string }
  small: { id: string; feed: string }[]
  smallPosts: number
  totalPosts: number
  buildSeconds: number
  close(): void
}

const did = (n: number) => `did:plc:${n.toString(36).padStart(24, 'a')}`
const rkeyOf = (n: number) => `3l${n.toString(36).padStart(11, '2')}`

/**
 * Posts of one community in sort order (oldest first), spread evenly over `spanUs` before `nowUs`;
 * authors rotate from `firstAuthor`, which the communities filled before it have moved on.
 */
export function* postRows(o: { n: number; spanUs: number; seed: number; nowUs: number; firstAuthor: number }): Generator<{ uri: string; sortUs: number }> {
  const step = Math.max(1, Math.floor(o.spanUs / o.n))
  for (let i = 0; i < o.n; i++) {
    const a = did(100_000 + (((o.firstAuthor + i) * 7919) % 200_000))
    yield { uri: `at://${a}/${NSID.post}/${rkeyOf(o.seed * 10_000_000 + i)}`, sortUs: o.nowUs - o.spanUs + i * step }
  }
}

function config(owner: string, rkey: string, fields: Record<string, unknown> = {}) {
  const uri = configUriOf(owner, rkey)
  const id = communityIdOf(uri)
  const v = validateConfig(uri, {
    $type: NSID.config, name: `Community ${rkey}`, hashtag: hashtagOf(id), stage: 'theme', moderators: [], createdAt: '2026-01-01T00:00:00.000Z', ...fields,
  })
  if (!v.ok) throw new Error(v.error)
  return { uri, id, owner, config: v.value }
}

export function buildDataset(opts: { smallCommunities?: number; smallPosts?: number; bigPosts?: number } = {}): Dataset {
  const smallN = opts.smallCommunities ?? 1000
  const smallPosts = opts.smallPosts ?? 10_000
  const bigPosts = opts.bigPosts ?? 1_000_000
  const dir = mkdtempSync(join(tmpdir(), 'atrarium-bench-'))
  const file = join(dir, 'index.sqlite')
  const driver = new SqliteDriver(file)
  const store = new SqlStore(driver)
  const retentionUs = 7 * US_PER_DAY
  const nowUs = Date.now() * 1000
  const minSortUs = () => Date.now() * 1000 - retentionUs
  const t0 = performance.now()

  const big = config(did(1), 'bigcommunity1')
  const child = config(did(2), 'childcommunit', { parentCommunity: big.uri, feedMix: { own: 60, parent: 30, global: 10 } })
  const smalls = Array.from({ length: smallN }, (_, i) => config(did(10_000 + i), `3kcomm${i.toString(36).padStart(7, '2')}`))
  store.transaction(() => {
    for (const c of [big, child, ...smalls]) store.putConfig(c)
  })

  const CHUNK = 20_000
  let author = 0
  const fill = (community: string, n: number, spanUs: number, seed: number) => {
    const rows = postRows({ n, spanUs, seed, nowUs, firstAuthor: author })[Symbol.iterator]()
    author += n
    for (let start = 0; start < n; start += CHUNK) {
      store.transaction(() => {
        for (let i = start; i < Math.min(n, start + CHUNK); i++) store.putPost({ community, ...rows.next().value!, hidden: false })
      })
    }
  }
  const bigRows = { n: bigPosts, spanUs: 8 * US_PER_DAY, seed: 1, nowUs, firstAuthor: author }
  fill(big.uri, bigPosts, bigRows.spanUs, bigRows.seed)
  log(`dataset: big community ${bigPosts} posts in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  fill(child.uri, smallPosts, 7 * US_PER_DAY - 60_000_000, 2)
  smalls.forEach((c, i) => {
    fill(c.uri, smallPosts, 7 * US_PER_DAY - 60_000_000, 3 + i)
    if ((i + 1) % 100 === 0) log(`dataset: ${i + 1}/${smallN} small communities, ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  })
  driver.db.pragma('wal_checkpoint(TRUNCATE)')
  const buildSeconds = (performance.now() - t0) / 1000
  const feedOf = (c: { owner: string; id: string }) => `at://${c.owner}/${NSID.feedGenerator}/${c.id}`
  const feeds = new FeedService({ store, serviceDid: 'did:web:bench.local', minSortUs, log: silentLogger })
  return {
    dir, file, driver, store, feeds, nowUs, retentionUs, minSortUs,
    big: { id: big.id, uri: big.uri, feed: feedOf(big), posts: bigPosts, rows: () => postRows(bigRows) },
    child: { id: child.id, feed: feedOf(child) },
    small: smalls.map((c) => ({ id: c.id, feed: feedOf(c) })),
    smallPosts,
    totalPosts: bigPosts + smallPosts * (smallN + 1),
    buildSeconds,
    close() {
      driver.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
