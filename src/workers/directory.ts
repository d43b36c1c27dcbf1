import { DurableObject } from 'cloudflare:workers'
import { hierarchyOf, listCommunities, type CommunityEntry, type CommunityTree } from '../core/community-tree.js'
import type { CommunityHierarchy, CommunitySummary, ListCommunitiesParams, Paged, ReadResult } from '../core/read-views.js'
import type { Stage } from '../core/records.js'
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

/**
 * Routing that a record alone cannot give. A post delete names only the post, and a membership
 * or action delete names only itself, so each shard remembers which communities hold a record.
 * The "communities" instance holds the community tree (name, stage, parent of each) for
 * describeFeedGenerator, listCommunities and parents/children; it changes only when a config
 * does, so it is never on the per-post path.
 */
export class Directory extends DurableObject<Env> {
  private readonly sql: DoSqlDriver
  private readonly tree: CommunityTree

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.sql = new DoSqlDriver(ctx.storage)
    // community_tree supersedes the first version's `communities (id, owner)` table, left unused.
    this.sql.exec(`CREATE TABLE IF NOT EXISTS routes (uri TEXT PRIMARY KEY, communities TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS community_tree (uri TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, owner TEXT NOT NULL, name TEXT NOT NULL, stage TEXT NOT NULL, parent TEXT);
      CREATE INDEX IF NOT EXISTS community_tree_by_owner ON community_tree (owner, id);
      CREATE INDEX IF NOT EXISTS community_tree_by_parent ON community_tree (parent)`)
    const rows = (sql: string, ...params: (string | number)[]) => this.sql.all<TreeRow>(sql, ...params).map(toEntry)
    this.tree = {
      entry: (uri) => rows('SELECT * FROM community_tree WHERE uri = ?', uri)[0],
      children: (uri) => rows('SELECT * FROM community_tree WHERE parent = ? ORDER BY id', uri),
      page: (q) => {
        const where = [...(q.owner !== undefined ? ['owner = ?'] : []), ...(q.after !== undefined ? ['id > ?'] : [])]
        return rows(`SELECT * FROM community_tree ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`,
          ...(q.owner !== undefined ? [q.owner] : []), ...(q.after !== undefined ? [q.after] : []), q.limit)
      },
    }
  }

  lookup(uri: string): string[] {
    const row = first(this.sql.all<{ communities: string }>('SELECT communities FROM routes WHERE uri = ?', uri))
    return row ? row.communities.split(',') : []
  }

  route(uri: string, communities: string[]): void {
    if (communities.length === 0) this.sql.run('DELETE FROM routes WHERE uri = ?', uri)
    else this.sql.run('INSERT OR REPLACE INTO routes (uri, communities) VALUES (?, ?)', uri, communities.join(','))
  }

  /** The community that holds id `id` now, or none. */
  setCommunity(id: string, entry: CommunityEntry | undefined): void {
    this.sql.run('DELETE FROM community_tree WHERE id = ?', id)
    if (entry) {
      this.sql.run('INSERT OR REPLACE INTO community_tree (uri, id, owner, name, stage, parent) VALUES (?, ?, ?, ?, ?, ?)',
        entry.uri, entry.id, entry.owner, entry.name, entry.stage, entry.parent ?? null)
    }
  }

  listCommunities(): { id: string; owner: string }[] {
    return this.sql.all<{ id: string; owner: string }>('SELECT id, owner FROM community_tree ORDER BY id')
  }

  listCommunityPage(params: ListCommunitiesParams): ReadResult<Paged<'communities', CommunitySummary>> {
    return listCommunities(this.tree, params)
  }

  hierarchy(uri: string): CommunityHierarchy {
    return hierarchyOf(this.tree, uri)
  }
}
