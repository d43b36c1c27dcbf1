import { recordUri, type RepoEvent } from '../core/events.js'
import { NSID } from '../core/nsid.js'
import type { ModeratedPost } from '../core/store.js'
import type { SqlDriver } from '../store/sql-driver.js'
import type { SqlStore } from '../store/sql-store.js'
import type { GlobalRow } from './global-posts.js'

/** What a batch changed in one community, for the global recent-posts index. */
export interface GlobalReport {
  rows: GlobalRow[]
  removed: string[]
  /** A config changed: authority, and with it every post's visibility, may have moved. */
  replace: boolean
}

/**
 * Targets of deleted moderation actions, kept a day. A batch is retried whole when the report of
 * what it changed fails to reach the global shards; by then its action deletes are applied and
 * the actions gone, so without these the retry could not tell which posts an unhide or unblock
 * made visible again, and the global index would keep them hidden.
 */
export class DeletedActionTargets {
  constructor(private readonly db: SqlDriver) {
    db.exec('CREATE TABLE IF NOT EXISTS deleted_action_targets (uri TEXT PRIMARY KEY, target TEXT NOT NULL, deleted_us INTEGER NOT NULL) WITHOUT ROWID')
  }

  remember(uri: string, target: string, nowUs: number): void {
    this.db.run('INSERT OR REPLACE INTO deleted_action_targets (uri, target, deleted_us) VALUES (?, ?, ?)', uri, target, nowUs)
  }

  get(uri: string): string | undefined {
    return this.db.all<{ target: string }>('SELECT target FROM deleted_action_targets WHERE uri = ?', uri)[0]?.target
  }

  purge(beforeUs: number): void {
    this.db.run('DELETE FROM deleted_action_targets WHERE deleted_us < ?', beforeUs)
  }
}

/** The posts a batch may touch, noted before it is applied (a deleted action's target is gone after). */
export function touchedBy(
  events: readonly RepoEvent[], store: SqlStore, community: string | undefined, deleted: DeletedActionTargets, nowUs: number,
): { uris: Set<string>; replace: boolean } {
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
      const uri = recordUri(e)
      const prior = store.getAction(uri)?.target
      if (prior !== undefined && e.op === 'delete') deleted.remember(uri, prior, nowUs)
      target(prior ?? deleted.get(uri))
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
