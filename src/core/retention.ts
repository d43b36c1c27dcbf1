import type { Store } from './store.js'
import { US_PER_DAY } from './time.js'

/** Memberships and actions naming a config never seen are kept this long (SPEC §6); a backfill restores them. */
export const ORPHAN_TTL_US = 30 * US_PER_DAY
/** An inactive account's status outlives its last indexed post by this much, for replays of its posts. */
export const ACCOUNT_STATUS_TTL_US = US_PER_DAY

export interface Purged {
  posts: number
  orphans: number
  accounts: number
}

/**
 * One bounded chunk of every expiry the index has: posts past retention (SPEC §4), records naming
 * configs never seen (SPEC §6), and statuses of accounts with nothing left to hide. A host calls it
 * until it removes less than a chunk of each, yielding between calls.
 */
export function purgeChunk(store: Store, now: { nowUs: number; minSortUs: number }, chunk: number): Purged {
  return {
    posts: store.purgePosts(now.minSortUs, chunk),
    orphans: store.purgeOrphans(now.nowUs - ORPHAN_TTL_US, chunk),
    accounts: store.purgeAccounts(now.nowUs - ACCOUNT_STATUS_TTL_US, chunk),
  }
}
