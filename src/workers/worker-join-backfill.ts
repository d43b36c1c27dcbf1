import { serviceIdentity } from '../auth/service-identity.js'
import { JoinBackfiller } from '../backfill/join-backfill.js'
import { memberPostLister } from '../backfill/post-listing.js'
import type { RepoEvent } from '../core/events.js'
import type { Indexer } from '../core/indexer.js'
import type { Logger } from '../core/logger.js'
import { err } from '../core/result.js'
import type { Store } from '../core/store.js'
import { US_PER_DAY } from '../core/time.js'
import type { ApplyResult } from './community-feed.js'
import { publish, routePosts } from './processor.js'
import { directoryShardOf, directoryStub } from './routing.js'
import { settingsOf } from './settings.js'

/**
 * Join backfill in a community object (issue #13): the core JoinBackfiller, reading PDSs with the
 * Worker's fetch (Cloudflare's network reaches only public addresses), and reporting what it
 * indexed as a queue batch would: to the global index, and to the directory so later deletes come
 * here. While it reads an author's posts, the directory sends it their post deletes (a watch).
 */
export function workerJoinBackfiller(o: {
  env: Env
  store: Store
  indexer: Indexer
  log: Logger
  /** This object's community id; undefined once it holds no community. */
  id: () => string | undefined
  apply: (events: RepoEvent[]) => Promise<ApplyResult>
}): JoinBackfiller {
  const settings = settingsOf(o.env)
  const identity = serviceIdentity({ plcUrl: settings.plcUrl, webFetch: fetch, allowLocal: false })
  const lister = memberPostLister({ pdsOf: (did) => identity.pdsOf(did) })
  return new JoinBackfiller({
    store: o.store,
    log: o.log,
    minSortUs: () => o.indexer.minSortUs(),
    async listPosts(did, minUs) {
      const id = o.id()
      if (!id) return err('the community is gone')
      await directoryStub(o.env, directoryShardOf(did)).watch(did, id, Date.now() * 1000 + US_PER_DAY)
      return lister(did, minUs)
    },
    async apply(events) {
      const id = o.id()
      const result = await o.apply(events)
      if (!id) return
      await publish(o.env, id, result)
      await routePosts(o.env, id, result)
    },
  })
}

/** Ends the watches of a step's finished jobs; a watch left behind expires within a day. */
export async function unwatch(env: Env, id: string | undefined, dids: Iterable<string>): Promise<void> {
  if (id) for (const did of new Set(dids)) await directoryStub(env, directoryShardOf(did)).unwatch(did, id)
}
