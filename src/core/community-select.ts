import type { StoredConfig } from './store.js'

/** Why no single community answers: none has the id, or several do and nothing tells them apart. */
export type NotSelected = { reason: 'unknown' } | { reason: 'ambiguous'; candidates: string[] }

export type Selection = { ok: true; value: StoredConfig } | { ok: false; error: NotSelected }

function one(candidates: readonly StoredConfig[]): Selection {
  if (candidates.length === 1) return { ok: true, value: candidates[0]! }
  if (candidates.length === 0) return { ok: false, error: { reason: 'unknown' } }
  return { ok: false, error: { reason: 'ambiguous', candidates: candidates.map((c) => c.uri) } }
}

/**
 * The community a feed URI `at://<publisher>/app.bsky.feed.generator/<id>` selects (SPEC §1): the one
 * with that id owned by the publisher; else, for another publisher, the only one with that id. A
 * colliding config can make a third party's feed ambiguous, never take it over.
 */
export function selectFeedCommunity(withId: readonly StoredConfig[], publisher: string): Selection {
  const own = withId.filter((c) => c.owner === publisher)
  return one(own.length > 0 ? own : withId)
}

/** The community a query's 8-hex id names: only when exactly one community has it (SPEC §1). */
export const selectById = (withId: readonly StoredConfig[]): Selection => one(withId)
