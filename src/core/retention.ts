import type { Store } from './store.js'
import { US_PER_DAY } from './time.js'

/** Memberships and actions naming a config never seen are kept this long (SPEC §6); a backfill restores them. */
export const ORPHAN_TTL_US = 30 * US_PER_DAY
/** An inactive account's status outlives its last indexed post by this much, for replays of its posts. */
export const ACCOUNT_STATUS_TTL_US = US_PER_DAY

/** A join backfill's tombstones outlive any fetch: jobs give up well within a day. */
export const TOMBSTONE_TTL_US = US_PER_DAY

export interface Purged {
  posts: number
  orphans: number
  accounts: number
  tombstones: number
  showLess: number
}

/** Whether a chunk removed as much as it could of anything, so another may follow. */
export const purgedFull = (n: Purged, chunk: number): boolean =>
  n.posts >= chunk || n.orphans >= chunk || n.accounts >= chunk || n.tombstones >= chunk || n.showLess >= chunk

/**
 * One bounded chunk of every expiry the index has: posts past retention (SPEC §4), records naming
 * configs never seen (SPEC §6), statuses of accounts with nothing left to hide, and old tombstones.
 * A host calls it until it removes less than a chunk of each, yielding between calls.
 */
export function purgeChunk(store: Store, now: { nowUs: number; minSortUs: number }, chunk: number): Purged {
  return {
    posts: store.purgePosts(now.minSortUs, chunk),
    orphans: store.purgeOrphans(now.nowUs - ORPHAN_TTL_US, chunk),
    accounts: store.purgeAccounts(now.nowUs - ACCOUNT_STATUS_TTL_US, chunk),
    tombstones: store.purgeTombstones(now.nowUs - TOMBSTONE_TTL_US, chunk),
    showLess: store.purgeShowLess(now.nowUs, chunk),
  }
}
