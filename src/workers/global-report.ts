import { DELETED_STATUS, recordUri, type RepoEvent } from '../core/events.js'
import { NSID } from '../core/nsid.js'
import type { ModeratedPost } from '../core/store.js'
import type { SqlDriver } from '../store/sql-driver.js'
import type { SqlStore } from '../store/sql-store.js'
import type { GlobalRow } from './global-posts.js'

/** What a batch changed in one community, for the global recent-posts index. */
export interface GlobalReport {
  rows: GlobalRow[]
  removed: string[]
  /** A config changed or went: authority, and with it every post's visibility, may have moved. */
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

/** What a batch may touch: posts, and communities whose whole set must be replaced. */
export interface Touched {
  uris: Set<string>
  replace: Set<string>
}

/**
 * The posts a batch may touch in any of `communities` (config URIs), noted before it is applied: a
 * deleted action's target, or a deleted account's posts, are gone after.
 */
export function touchedBy(
  events: readonly RepoEvent[], store: SqlStore, communities: readonly string[], deleted: DeletedActionTargets, nowUs: number,
): Touched {
  const uris = new Set<string>()
  const replace = new Set<string>()
  const authorPosts = (did: string) => {
    for (const c of communities) for (const uri of store.authorPostUris(c, did)) uris.add(uri)
  }
  const target = (t: string | undefined) => {
    if (!t) return
    if (!t.startsWith('did:')) uris.add(t)
    else authorPosts(t)
  }
  for (const e of events) {
    if (e.op === 'account') {
      // Its status flags every post it has here; deleted, it takes its posts and configs too.
      authorPosts(e.did)
      if (e.status === DELETED_STATUS) for (const c of communities) if (c.startsWith(`at://${e.did}/`)) replace.add(c)
    } else if (e.collection === NSID.post) uris.add(recordUri(e))
    else if (e.collection === NSID.config) replace.add(recordUri(e))
    // A join or a leave shows or hides every post the member has here (SPEC §4).
    else if (e.collection === NSID.membership) authorPosts(e.did)
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

const toRow = (p: ModeratedPost): GlobalRow => ({ uri: p.uri, sortUs: p.sortUs, visible: !p.hidden && !p.blocked && !p.inactive && !p.notMember })

/** The rows to send for one community after the batch: every touched post's state, or all its posts on replace. */
export function reportAfter(touched: Touched, store: SqlStore, community: string, exists: boolean): GlobalReport {
  if (touched.replace.has(community)) return { rows: exists ? store.allPostStates(community).map(toRow) : [], removed: [], replace: true }
  const rows = store.postStates(community, touched.uris).map(toRow)
  const kept = new Set(rows.map((r) => r.uri))
  return { rows, removed: [...touched.uris].filter((uri) => !kept.has(uri)), replace: false }
}
