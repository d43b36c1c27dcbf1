import { repoOf } from './at-uri.js'
import { authorities } from './moderation.js'
import { visibleAmong } from './visible-among.js'
import type { Store, StoredConfig } from './store.js'

/** `app.bsky.feed.defs#skeletonReasonPin`: clients show the item as pinned. */
export const PIN_REASON = { $type: 'app.bsky.feed.defs#skeletonReasonPin' } as const

/** At most this many pins (SPEC §10; the config lexicon's `maxLength`). */
export const MAX_PINS = 3

/**
 * The config's pinned posts that the first page shows (SPEC §10), in the config's order: those by
 * the owner or a moderator under the config in force, indexed in the community and shown there (a
 * deleted, hidden or blocked one is skipped). A pin is a claim in the owner's record, so a post by
 * anyone else cannot be put at the top of the feed by naming it.
 */
export function shownPins(store: Pick<Store, 'visibleCommunities'>, community: StoredConfig): string[] {
  const pins = community.config.pinnedPosts ?? []
  if (pins.length === 0) return []
  const staff = new Set(authorities(community))
  return visibleAmong(store, community.uri, pins.filter((uri) => staff.has(repoOf(uri))))
}
