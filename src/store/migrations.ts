import type { SqlDriver } from './sql-driver.js'

/**
 * Versioned schema. Append new versions; never edit one that has shipped. A table, not
 * `PRAGMA user_version`, records them because Durable Object SQL does not allow that pragma.
 */
export const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE cursors (source TEXT PRIMARY KEY, cursor INTEGER NOT NULL);

      CREATE TABLE configs (
        uri TEXT PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        owner TEXT NOT NULL,
        record TEXT NOT NULL
      );

      CREATE TABLE memberships (
        uri TEXT PRIMARY KEY,
        did TEXT NOT NULL,
        community TEXT NOT NULL,
        role TEXT NOT NULL,
        joined_at TEXT NOT NULL,
        active INTEGER NOT NULL
      );
      CREATE INDEX memberships_active ON memberships (community, did) WHERE active = 1;

      CREATE TABLE actions (
        uri TEXT PRIMARY KEY,
        actor TEXT NOT NULL,
        community TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        reason TEXT,
        created_at TEXT NOT NULL,
        created_us INTEGER NOT NULL
      );
      CREATE INDEX actions_by_target ON actions (community, target);

      CREATE TABLE posts (
        community TEXT NOT NULL,
        uri TEXT NOT NULL,
        author TEXT NOT NULL,
        sort_us INTEGER NOT NULL,
        hidden INTEGER NOT NULL DEFAULT 0,
        blocked INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (community, uri)
      ) WITHOUT ROWID;
      -- Only visible posts are in the feed index, so hidden ones cost a skeleton nothing.
      CREATE INDEX posts_feed ON posts (community, sort_us DESC, uri DESC) WHERE hidden = 0 AND blocked = 0;
      CREATE INDEX posts_by_uri ON posts (uri);
      CREATE INDEX posts_by_author ON posts (community, author);
      CREATE INDEX posts_by_time ON posts (sort_us);
    `,
  },
  {
    // Progress of `atrarium backfill`, so an interrupted run resumes where it stopped. `source`
    // names the PDS or relay; rows of a source are removed once its run has been applied.
    version: 2,
    sql: `
      CREATE TABLE backfill_listing (
        source TEXT NOT NULL,
        collection TEXT NOT NULL,
        cursor TEXT,
        done INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (source, collection)
      );

      CREATE TABLE backfill_repos (
        source TEXT NOT NULL,
        did TEXT NOT NULL,
        pds TEXT,
        done INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        PRIMARY KEY (source, did)
      );

      -- Records fetched but not yet applied: configs must be applied in (createdAt, uri) order
      -- across all repos (SPEC §1), which is only known once every repo has been read.
      CREATE TABLE backfill_records (
        source TEXT NOT NULL,
        uri TEXT NOT NULL,
        did TEXT NOT NULL,
        collection TEXT NOT NULL,
        rkey TEXT NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (source, uri)
      );
      CREATE INDEX backfill_records_by_did ON backfill_records (source, did);
    `,
  },
  {
    version: 3,
    // The feed mix's global source reads visible posts across communities in feed order.
    sql: 'CREATE INDEX posts_global ON posts (sort_us DESC, uri DESC) WHERE hidden = 0 AND blocked = 0',
  },
  {
    version: 4,
    // The read API: a moderator's view of every post (hidden ones too), the action log newest
    // first, communities by owner, and a community's children.
    sql: `
      CREATE INDEX posts_moderation ON posts (community, sort_us DESC, uri DESC);
      CREATE INDEX actions_by_time ON actions (community, created_us DESC, uri DESC);
      CREATE INDEX configs_by_owner ON configs (owner, id);
      CREATE INDEX configs_by_parent ON configs (json_extract(record, '$.parentCommunity'));
    `,
  },
  {
    version: 5,
    // Posts in three b-trees instead of seven: the write path and the disk were dominated by
    // secondary indexes that each repeated the key. The key leads with the post (its uri as
    // `<did>/<rkey>`, see post-key.ts), so lookups by post need no index and an author's posts are a
    // key range (so no author column); the feed and time indexes carry the flags as trailing columns, so each serves both
    // visible-only and moderator reads, and purge walks the time index oldest first. They are
    // ascending and read backwards: new posts then append at the right of each range, where
    // SQLite fills pages, instead of prepending, which leaves every split page half empty.
    sql: `
      CREATE TABLE posts_v5 (
        post_key TEXT NOT NULL,
        community TEXT NOT NULL,
        sort_us INTEGER NOT NULL,
        hidden INTEGER NOT NULL DEFAULT 0,
        blocked INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (post_key, community)
      ) WITHOUT ROWID;
      INSERT INTO posts_v5 (post_key, community, sort_us, hidden, blocked)
        SELECT replace(substr(uri, 6), '/app.bsky.feed.post/', '/'), community, sort_us, hidden, blocked FROM posts;
      DROP TABLE posts;
      ALTER TABLE posts_v5 RENAME TO posts;
      CREATE INDEX posts_feed ON posts (community, sort_us, post_key, hidden, blocked);
      CREATE INDEX posts_global ON posts (sort_us, post_key, hidden, blocked);
    `,
  },
]

export function migrate(db: SqlDriver): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)')
  const applied = new Set(db.all<{ version: number }>('SELECT version FROM schema_migrations').map((r) => r.version))
  let latest = 0
  for (const m of MIGRATIONS) {
    latest = m.version
    if (applied.has(m.version)) continue
    db.transaction(() => {
      db.exec(m.sql)
      db.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', m.version, new Date().toISOString())
    })
  }
  return latest
}
