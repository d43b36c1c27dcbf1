import { recordUri, type RepoEvent } from '../core/events.js'
import { NSID } from '../core/nsid.js'
import type { Store } from '../core/store.js'
import type { SqlDriver } from '../store/sql-driver.js'
import { authorKeyRange, postKey, postUri } from '../store/post-key.js'
import type { GlobalRow } from './global-posts.js'

/** What a batch changed in one community, for the global recent-posts index. */
export interface GlobalReport {
  rows: GlobalRow[]
  removed: string[]
  /** A config changed: authority, and with it every post's visibility, may have moved. */
  replace: boolean
}

/** The posts a batch may touch, noted before it is applied (a deleted action's target is gone after). */
export function touchedBy(events: readonly RepoEvent[], store: Store, db: SqlDriver, community: string | undefined): { uris: Set<string>; replace: boolean } {
  const uris = new Set<string>()
  let replace = false
  const target = (t: string | undefined) => {
    if (!t) return
    if (!t.startsWith('did:')) uris.add(t)
    else if (community) for (const r of db.all<{ k: string }>('SELECT post_key AS k FROM posts WHERE post_key >= ? AND post_key < ? AND +community = ?', ...authorKeyRange(t), community)) uris.add(postUri(r.k))
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

/** The rows to send after the batch: current state of every touched post, or all posts on replace. */
export function reportAfter(touched: { uris: Set<string>; replace: boolean }, db: SqlDriver, community: string | undefined): GlobalReport {
  if (!community) return { rows: [], removed: [...touched.uris], replace: touched.replace }
  type Row = { k: string; sort_us: number; hidden: number; blocked: number }
  const toRow = (r: Row): GlobalRow => ({ uri: postUri(r.k), sortUs: r.sort_us, visible: r.hidden === 0 && r.blocked === 0 })
  if (touched.replace) {
    return { rows: db.all<Row>('SELECT post_key AS k, sort_us, hidden, blocked FROM posts WHERE community = ?', community).map(toRow), removed: [], replace: true }
  }
  const rows: GlobalRow[] = []
  const removed: string[] = []
  for (const uri of touched.uris) {
    const key = postKey(uri)
    const row = key === undefined ? undefined : db.all<Row>('SELECT post_key AS k, sort_us, hidden, blocked FROM posts WHERE post_key = ? AND community = ?', key, community)[0]
    if (row) rows.push(toRow(row))
    else removed.push(uri)
  }
  return { rows, removed, replace: false }
}
