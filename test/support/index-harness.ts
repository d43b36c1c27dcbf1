import type { RepoEvent } from '../../src/core/events.js'
import { FeedService } from '../../src/core/feed-service.js'
import { Indexer } from '../../src/core/indexer.js'
import { silentLogger } from '../../src/core/logger.js'
import { NSID } from '../../src/core/nsid.js'
import { US_PER_DAY } from '../../src/core/time.js'
import { SqlStore } from '../../src/store/sql-store.js'
import { SqliteDriver } from '../../src/store/sqlite-driver.js'
import { T0 } from './events.js'

/** A real index on in-memory SQLite, with a fixed clock, for domain tests. */
export function indexHarness(opts: { nowUs?: number; retentionDays?: number } = {}) {
  const driver = new SqliteDriver(':memory:')
  const store = new SqlStore(driver)
  const nowUs = () => opts.nowUs ?? T0
  const indexer = new Indexer({ store, log: silentLogger, retentionUs: (opts.retentionDays ?? 7) * US_PER_DAY, nowUs })
  const feeds = new FeedService({ store, serviceDid: 'did:web:feeds.test', minSortUs: () => indexer.minSortUs() })
  const apply = (...events: RepoEvent[]) => indexer.applyBatch(events)

  /** Every post of a community's feed as `publisher` publishes it, following cursors to the end. */
  function feed(id: string, limit = 100, publisher = 'did:plc:publisher'): string[] {
    const uris: string[] = []
    let cursor: string | undefined
    for (let page = 0; page < 10_000; page++) {
      const r = feeds.getFeedSkeleton({ feed: `at://${publisher}/${NSID.feedGenerator}/${id}`, limit, ...(cursor ? { cursor } : {}) })
      if (!r.ok) throw new Error(`${r.error.error}: ${r.error.message}`)
      uris.push(...r.value.feed.map((f) => f.post))
      cursor = r.value.cursor
      if (!cursor) return uris
    }
    throw new Error('feed did not end')
  }

  /** Everything order-independent state consists of, for comparisons. */
  function snapshot() {
    return {
      configs: driver.all('SELECT uri, id, owner, record FROM configs ORDER BY uri'),
      // Without seen_us: when the index first saw a record is history, not state.
      memberships: driver.all('SELECT uri, did, community, role, joined_at, active FROM memberships ORDER BY uri'),
      actions: driver.all('SELECT uri, actor, community, action, target, reason, created_at, created_us FROM actions ORDER BY uri'),
      posts: driver.all('SELECT * FROM posts ORDER BY community, post_key'),
    }
  }

  return { driver, store, indexer, feeds, apply, feed, snapshot, close: () => driver.close() }
}
