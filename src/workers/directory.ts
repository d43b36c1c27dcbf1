import { DurableObject } from 'cloudflare:workers'
import { first } from '../store/sql-driver.js'
import { DoSqlDriver } from './do-sql-driver.js'

/**
 * Routing that a record alone cannot give. A post delete names only the post, and a membership
 * or action delete names only itself, so each shard remembers which communities hold a record.
 * The "communities" instance lists every community for describeFeedGenerator; it changes only
 * when a config does, so it is never on the per-post path.
 */
export class Directory extends DurableObject<Env> {
  private readonly sql: DoSqlDriver

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.sql = new DoSqlDriver(ctx.storage)
    this.sql.exec(`CREATE TABLE IF NOT EXISTS routes (uri TEXT PRIMARY KEY, communities TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS communities (id TEXT PRIMARY KEY, owner TEXT NOT NULL)`)
  }

  lookup(uri: string): string[] {
    const row = first(this.sql.all<{ communities: string }>('SELECT communities FROM routes WHERE uri = ?', uri))
    return row ? row.communities.split(',') : []
  }

  route(uri: string, communities: string[]): void {
    if (communities.length === 0) this.sql.run('DELETE FROM routes WHERE uri = ?', uri)
    else this.sql.run('INSERT OR REPLACE INTO routes (uri, communities) VALUES (?, ?)', uri, communities.join(','))
  }

  setCommunity(id: string, owner: string | undefined): void {
    if (owner === undefined) this.sql.run('DELETE FROM communities WHERE id = ?', id)
    else this.sql.run('INSERT OR REPLACE INTO communities (id, owner) VALUES (?, ?)', id, owner)
  }

  listCommunities(): { id: string; owner: string }[] {
    return this.sql.all<{ id: string; owner: string }>('SELECT id, owner FROM communities ORDER BY id')
  }
}
