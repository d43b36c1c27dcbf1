import { DurableObject } from 'cloudflare:workers'
import { communityPageSql } from '../store/community-page-sql.js'
import { hierarchyOf, listCommunities, type CommunityEntry, type CommunityTree } from '../core/community-tree.js'
import type { CommunityHierarchy, CommunitySummary, ListCommunitiesParams, Paged, ReadResult } from '../core/read-views.js'
import type { Stage } from '../core/records.js'
import { NSID } from '../core/nsid.js'
import { first } from '../store/sql-driver.js'
import { DoSqlDriver } from './do-sql-driver.js'

interface TreeRow {
  uri: string
  id: string
  owner: string
  name: string
  stage: Stage
  parent: string | null
}

const toEntry = ({ parent, ...r }: TreeRow): CommunityEntry => ({ ...r, ...(parent !== null ? { parent } : {}) })

/** How far up a parent chain the core walk looks (SPEC §7); one more entry shows a chain goes on. */
const MAX_CHAIN = 65

/** A repo's record URIs: `at://<did>/` up to `at://<did>0`, as '0' follows '/'. */
const repoRange = (did: string): [string, string] => [`at://${did}/`, `at://${did}0`]

/**
 * Routing that a record alone cannot give. A post delete names only the post, and a membership
 * or action delete names only itself, so each shard remembers which community ids hold a record.
 * The "communities" instance holds the community tree (name, stage, parent of each, by config URI:
 * several may share an id) for describeFeedGenerator, listCommunities, parents/children and which
 * communities an account owns; it changes only when a config does, so it is never on the per-post path.
 */
export class Directory extends DurableObject<Env> {
  private readonly sql: DoSqlDriver
  private readonly tree: CommunityTree

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.sql = new DoSqlDriver(ctx.storage)
    // community_tree (first-claimant era) had `id UNIQUE`, which a ground collision breaks and
    // SQLite cannot drop: its rows move to communities_by_uri once. The older `communities (id,
    // owner)` table is left unused.
    this.sql.transaction(() => {
      this.sql.exec(`CREATE TABLE IF NOT EXISTS routes (uri TEXT PRIMARY KEY, communities TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS communities_by_uri (uri TEXT PRIMARY KEY, id TEXT NOT NULL, owner TEXT NOT NULL, name TEXT NOT NULL, stage TEXT NOT NULL, parent TEXT);
        CREATE INDEX IF NOT EXISTS communities_by_id ON communities_by_uri (id, uri);
        CREATE INDEX IF NOT EXISTS communities_by_owner ON communities_by_uri (owner, id, uri);
        CREATE INDEX IF NOT EXISTS communities_by_parent ON communities_by_uri (parent);
        CREATE TABLE IF NOT EXISTS watches (did TEXT NOT NULL, community TEXT NOT NULL, until_us INTEGER NOT NULL, PRIMARY KEY (did, community)) WITHOUT ROWID`)
      if (this.sql.all("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'community_tree'").length > 0) {
        this.sql.exec(`INSERT OR IGNORE INTO communities_by_uri (uri, id, owner, name, stage, parent)
          SELECT uri, id, owner, name, stage, parent FROM community_tree; DROP TABLE community_tree`)
      }
    })
    const rows = (sql: string, ...params: (string | number)[]) => this.sql.all<TreeRow>(sql, ...params).map(toEntry)
    this.tree = {
      entry: (uri) => rows('SELECT * FROM communities_by_uri WHERE uri = ?', uri)[0],
      children: (uri, limit) => rows('SELECT * FROM communities_by_uri WHERE parent = ? ORDER BY id, uri LIMIT ?', uri, limit),
      page: (q) => {
        const { sql, params } = communityPageSql('communities_by_uri', 'name', q)
        return rows(sql, ...params)
      },
    }
  }

  /**
   * The community ids holding a record. With `watchers`, for a post delete, also those fetching the
   * author's posts for a join backfill: the delete must reach them to win over the listing (issue #13).
   */
  lookup(uri: string, watchers = false): string[] {
    const row = first(this.sql.all<{ communities: string }>('SELECT communities FROM routes WHERE uri = ?', uri))
    const held = row ? row.communities.split(',') : []
    if (!watchers) return held
    const did = uri.slice('at://'.length, uri.indexOf('/', 'at://'.length))
    const watching = this.sql.all<{ community: string }>('SELECT community FROM watches WHERE did = ? AND until_us > ?', did, Date.now() * 1000)
    return [...new Set([...held, ...watching.map((w) => w.community)])]
  }

  /** Community `id` is reading `did`'s posts until `untilUs` at the latest: send it their post deletes. */
  watch(did: string, id: string, untilUs: number): void {
    this.sql.run('INSERT OR REPLACE INTO watches (did, community, until_us) VALUES (?, ?, ?)', did, id, untilUs)
  }

  unwatch(did: string, id: string): void {
    this.sql.run('DELETE FROM watches WHERE did = ? AND community = ?', did, id)
  }

  route(uri: string, communities: string[]): void {
    if (communities.length === 0) this.sql.run('DELETE FROM routes WHERE uri = ?', uri)
    else this.sql.run('INSERT OR REPLACE INTO routes (uri, communities) VALUES (?, ?)', uri, communities.join(','))
  }

  /** The community ids that hold any record of `did`'s repo: where its account status must go. */
  repoCommunities(did: string): string[] {
    const rows = this.sql.all<{ communities: string }>('SELECT DISTINCT communities FROM routes WHERE uri >= ? AND uri < ?', ...repoRange(did))
    return [...new Set(rows.flatMap((r) => r.communities.split(',')))]
  }

  /** URIs of `did`'s records routed here, posts aside: what a backfill compares with the repo. */
  repoRecords(did: string): string[] {
    return this.sql.all<{ uri: string }>('SELECT uri FROM routes WHERE uri >= ? AND uri < ?', ...repoRange(did))
      .map((r) => r.uri).filter((uri) => !uri.startsWith(`at://${did}/${NSID.post}/`))
  }

  /** Config URIs of the communities `did` owns. */
  configsOwnedBy(did: string): string[] {
    return this.sql.all<{ uri: string }>('SELECT uri FROM communities_by_uri WHERE owner = ?', did).map((r) => r.uri)
  }

  /** A deleted account's records are gone from every community: nothing is left to route. */
  forgetRepo(did: string): void {
    this.sql.run('DELETE FROM routes WHERE uri >= ? AND uri < ?', ...repoRange(did))
  }

  /** The community at config URI `uri` now, or none. */
  setCommunity(uri: string, entry: CommunityEntry | undefined): void {
    if (!entry) this.sql.run('DELETE FROM communities_by_uri WHERE uri = ?', uri)
    else {
      this.sql.run('INSERT OR REPLACE INTO communities_by_uri (uri, id, owner, name, stage, parent) VALUES (?, ?, ?, ?, ?, ?)',
        entry.uri, entry.id, entry.owner, entry.name, entry.stage, entry.parent ?? null)
    }
  }

  /** The first `limit` communities in (id, uri) order: what describeFeedGenerator lists. */
  communityPage(limit: number): { id: string; owner: string }[] {
    return this.sql.all<{ id: string; owner: string }>('SELECT id, owner FROM communities_by_uri ORDER BY id, uri LIMIT ?', limit)
  }

  /** Ids of the communities `did` owns. */
  ownedBy(did: string): string[] {
    return this.sql.all<{ id: string }>('SELECT DISTINCT id FROM communities_by_uri WHERE owner = ?', did).map((r) => r.id)
  }

  /**
   * The entries up a parent chain from `uri`, for the core walk: at most as many as it looks at,
   * stopping at an unknown config or a repeat.
   */
  chainFrom(uri: string | undefined): CommunityEntry[] {
    const chain: CommunityEntry[] = []
    const seen = new Set<string>()
    for (let at = uri; at !== undefined && !seen.has(at) && chain.length < MAX_CHAIN; ) {
      seen.add(at)
      const entry = this.tree.entry(at)
      if (!entry) break
      chain.push(entry)
      at = entry.parent
    }
    return chain
  }

  listCommunityPage(params: ListCommunitiesParams): ReadResult<Paged<'communities', CommunitySummary>> {
    return listCommunities(this.tree, params)
  }

  hierarchy(uri: string): CommunityHierarchy {
    return hierarchyOf(this.tree, uri)
  }
}
