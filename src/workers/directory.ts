import { DurableObject } from 'cloudflare:workers'
import { repoOf } from '../core/at-uri.js'
import { communityPageSql } from '../store/community-page-sql.js'
import { hierarchyOf, listCommunities, type CommunityEntry, type CommunityTree } from '../core/community-tree.js'
import type { CommunityHierarchy, CommunitySummary, ListCommunitiesParams, Paged, ReadResult } from '../core/read-views.js'
import type { Stage } from '../core/records.js'
import { NSID } from '../core/nsid.js'
import { US_PER_DAY } from '../core/time.js'
import { first } from '../store/sql-driver.js'
import { DoSqlDriver } from './do-sql-driver.js'
import { settingsOf } from './settings.js'

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
const isPostUri = (uri: string): boolean => uri.includes(`/${NSID.post}/`)
const PURGE_EVERY_MS = 3_600_000

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
  #purgeArmed = false

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
        CREATE TABLE IF NOT EXISTS author_routes (did TEXT NOT NULL, community TEXT NOT NULL, seen_us INTEGER NOT NULL, PRIMARY KEY (did, community)) WITHOUT ROWID`)
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
   * The community ids that may hold a record. A post is routed by its author: every community
   * holding a post of theirs, or reading their posts for a join backfill (where a delete must win
   * over the listing, issue #13). Indexing a post so writes a row only for an author's first post
   * in a community; posts routed one by one before that stay routed.
   */
  lookup(uri: string): string[] {
    const row = first(this.sql.all<{ communities: string }>('SELECT communities FROM routes WHERE uri = ?', uri))
    const held = row ? row.communities.split(',') : []
    if (!isPostUri(uri)) return held
    const byAuthor = this.sql.all<{ community: string }>('SELECT community FROM author_routes WHERE did = ?', repoOf(uri)).map((r) => r.community)
    return [...new Set([...held, ...byAuthor])]
  }

  /** `lookup` for many records in one call: what a queue batch needs of this shard. */
  lookupMany(uris: string[]): Record<string, string[]> {
    return Object.fromEntries(uris.map((uri) => [uri, this.lookup(uri)]))
  }

  /**
   * What a batch learned: where records are now (an empty list forgets one), and which communities
   * now hold a post of which author. An author's route is written once, then refreshed at most
   * daily so that it can age out with the author's last post.
   */
  async routeMany(records: [string, string[]][], authors: [string, string][]): Promise<void> {
    const nowUs = Date.now() * 1000
    this.sql.transaction(() => {
      for (const [uri, ids] of records) this.route(uri, ids)
      for (const [did, id] of authors) {
        this.sql.run(
          `INSERT INTO author_routes (did, community, seen_us) VALUES (?, ?, ?)
            ON CONFLICT (did, community) DO UPDATE SET seen_us = excluded.seen_us WHERE seen_us < excluded.seen_us - ?`,
          did, id, nowUs, US_PER_DAY,
        )
      }
    })
    if (authors.length > 0 && !this.#purgeArmed) {
      this.#purgeArmed = true
      if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + PURGE_EVERY_MS)
    }
  }

  /** Hourly: author routes not refreshed within retention and a day go. */
  override async alarm(): Promise<void> {
    const nowUs = Date.now() * 1000
    this.sql.run('DELETE FROM author_routes WHERE seen_us < ?', nowUs - (settingsOf(this.env).retentionDays + 1) * US_PER_DAY)
    await this.ctx.storage.setAlarm(Date.now() + PURGE_EVERY_MS)
  }


  route(uri: string, communities: string[]): void {
    if (communities.length === 0) this.sql.run('DELETE FROM routes WHERE uri = ?', uri)
    else this.sql.run('INSERT OR REPLACE INTO routes (uri, communities) VALUES (?, ?)', uri, communities.join(','))
  }

  /** The community ids that hold any record of `did`'s repo: where its account status must go. */
  repoCommunities(did: string): string[] {
    const rows = this.sql.all<{ communities: string }>('SELECT DISTINCT communities FROM routes WHERE uri >= ? AND uri < ?', ...repoRange(did))
    const byAuthor = this.sql.all<{ community: string }>('SELECT community FROM author_routes WHERE did = ?', did).map((r) => r.community)
    return [...new Set([...rows.flatMap((r) => r.communities.split(',')), ...byAuthor])]
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
    this.sql.run('DELETE FROM author_routes WHERE did = ?', did)
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
