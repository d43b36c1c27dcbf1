import { serviceIdentity } from '../auth/service-identity.js'
import { JoinBackfiller } from '../backfill/join-backfill.js'
import { memberPostLister } from '../backfill/post-listing.js'
import type { RepoEvent } from '../core/events.js'
import type { Indexer } from '../core/indexer.js'
import type { Logger } from '../core/logger.js'
import { err } from '../core/result.js'
import type { Store } from '../core/store.js'
import type { ApplyResult } from './community-feed.js'
import { reportApplied } from './processor.js'
import { settingsOf } from './settings.js'

/**
 * Join backfill in a community object (issue #13): the core JoinBackfiller, reading PDSs with the
 * Worker's fetch (Cloudflare's network reaches only public addresses), and reporting what it
 * indexed as a queue batch would: to the global index, and to the directory. The author's post
 * deletes already come here while it reads: the join routed the author to this object.
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
      return lister(did, minUs)
    },
    async apply(events) {
      const id = o.id()
      const result = await o.apply(events)
      if (!id) return
      await reportApplied(o.env, id, events, result)
    },
  })
}
