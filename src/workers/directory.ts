import { DurableObject } from 'cloudflare:workers'

/**
 * Routing that a record alone cannot give. A post delete names only the post, and a membership
 * or action delete names only itself, so each shard remembers which communities hold a record.
 * The "communities" instance lists every community for describeFeedGenerator; it changes only
 * when a config does, so it is never on the per-post path.
 */
export class Directory extends DurableObject<Env> {
  private readonly sql: SqlStorage

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.sql = ctx.storage.sql
    this.sql.exec(`CREATE TABLE IF NOT EXISTS routes (uri TEXT PRIMARY KEY, communities TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS communities (id TEXT PRIMARY KEY, owner TEXT NOT NULL)`)
  }

  lookup(uri: string): string[] {
    const row = this.sql.exec<{ communities: string }>('SELECT communities FROM routes WHERE uri = ?', uri).toArray()[0]
    return row ? row.communities.split(',') : []
  }

  route(uri: string, communities: string[]): void {
    if (communities.length === 0) this.sql.exec('DELETE FROM routes WHERE uri = ?', uri)
    else this.sql.exec('INSERT OR REPLACE INTO routes (uri, communities) VALUES (?, ?)', uri, communities.join(','))
  }

  setCommunity(id: string, owner: string | undefined): void {
    if (owner === undefined) this.sql.exec('DELETE FROM communities WHERE id = ?', id)
    else this.sql.exec('INSERT OR REPLACE INTO communities (id, owner) VALUES (?, ?)', id, owner)
  }

  listCommunities(): { id: string; owner: string }[] {
    return this.sql.exec<{ id: string; owner: string }>('SELECT id, owner FROM communities ORDER BY id').toArray()
  }
}
