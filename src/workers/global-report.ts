import { recordUri, type RepoEvent } from '../core/events.js'
import { NSID } from '../core/nsid.js'
import type { ModeratedPost } from '../core/store.js'
import type { SqlStore } from '../store/sql-store.js'
import type { GlobalRow } from './global-posts.js'

/** What a batch changed in one community, for the global recent-posts index. */
export interface GlobalReport {
  rows: GlobalRow[]
  removed: string[]
  /** A config changed: authority, and with it every post's visibility, may have moved. */
  replace: boolean
}

/** The posts a batch may touch, noted before it is applied (a deleted action's target is gone after). */
export function touchedBy(events: readonly RepoEvent[], store: SqlStore, community: string | undefined): { uris: Set<string>; replace: boolean } {
  const uris = new Set<string>()
  let replace = false
  const target = (t: string | undefined) => {
    if (!t) return
    if (!t.startsWith('did:')) uris.add(t)
    else if (community) for (const uri of store.authorPostUris(community, t)) uris.add(uri)
  }
  for (const e of events) {
    if (e.collection === NSID.post) uris.add(recordUri(e))
    else if (e.collection === NSID.config) replace = true
    else if (e.collection === NSID.action) {
      target(store.getAction(recordUri(e))?.target)
      if (e.op !== 'delete') target((e.record as { target?: string }).target)
    }
  }
  return { uris, replace }
}

const toRow = (p: ModeratedPost): GlobalRow => ({ uri: p.uri, sortUs: p.sortUs, visible: !p.hidden && !p.blocked })

/** The rows to send after the batch: current state of every touched post, or all posts on replace. */
export function reportAfter(touched: { uris: Set<string>; replace: boolean }, store: SqlStore, community: string | undefined): GlobalReport {
  if (!community) return { rows: [], removed: [...touched.uris], replace: touched.replace }
  if (touched.replace) return { rows: store.allPostStates(community).map(toRow), removed: [], replace: true }
  const rows = store.postStates(community, touched.uris).map(toRow)
  const kept = new Set(rows.map((r) => r.uri))
  return { rows, removed: [...touched.uris].filter((uri) => !kept.has(uri)), replace: false }
}
