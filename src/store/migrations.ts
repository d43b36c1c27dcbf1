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
  {
    version: 6,
    // Hardening (SPEC §1, §4, §5, §6). A community is its config URI: ids may collide, so `configs.id`
    // is no longer unique, and posts name their community by a small integer key of its URI (a key
    // is never reused, so none can point at another community's rows). `blocked` becomes a bit set:
    // 1 = blocked in the community, 2 = the author's account is not active; a post is visible only
    // at 0, so the feed indexes serve both unchanged. Actions keep their first-seen time, and their
    // `created_us` becomes the effective time, clamped into the safe-integer range.
    sql: `
      CREATE TABLE configs_v6 (uri TEXT PRIMARY KEY, id TEXT NOT NULL, owner TEXT NOT NULL, record TEXT NOT NULL);
      INSERT INTO configs_v6 (uri, id, owner, record) SELECT uri, id, owner, record FROM configs;
      DROP TABLE configs;
      ALTER TABLE configs_v6 RENAME TO configs;
      CREATE INDEX configs_by_id ON configs (id, uri);
      CREATE INDEX configs_by_owner ON configs (owner, id, uri);
      CREATE INDEX configs_by_parent ON configs (json_extract(record, '$.parentCommunity'));

      CREATE TABLE community_keys (key INTEGER PRIMARY KEY, uri TEXT NOT NULL UNIQUE);
      INSERT INTO community_keys (uri) SELECT uri FROM configs ORDER BY id;

      CREATE TABLE posts_v6 (
        post_key TEXT NOT NULL,
        community INTEGER NOT NULL,
        sort_us INTEGER NOT NULL,
        hidden INTEGER NOT NULL DEFAULT 0,
        blocked INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (post_key, community)
      ) WITHOUT ROWID;
      INSERT INTO posts_v6 (post_key, community, sort_us, hidden, blocked)
        SELECT p.post_key, k.key, p.sort_us, p.hidden, p.blocked FROM posts p
          JOIN configs c ON c.id = p.community JOIN community_keys k ON k.uri = c.uri;
      DROP TABLE posts;
      ALTER TABLE posts_v6 RENAME TO posts;
      CREATE INDEX posts_feed ON posts (community, sort_us, post_key, hidden, blocked);
      CREATE INDEX posts_global ON posts (sort_us, post_key, hidden, blocked);

      CREATE TABLE blocked_authors (community TEXT NOT NULL, did TEXT NOT NULL, PRIMARY KEY (community, did)) WITHOUT ROWID;
      INSERT OR IGNORE INTO blocked_authors (community, did)
        SELECT k.uri, substr(p.post_key, 1, instr(p.post_key, '/') - 1) FROM posts p JOIN community_keys k ON k.key = p.community
          WHERE p.blocked = 1;

      CREATE TABLE accounts (did TEXT PRIMARY KEY, status TEXT NOT NULL, seen_us INTEGER NOT NULL) WITHOUT ROWID;

      ALTER TABLE actions ADD COLUMN seen_us INTEGER NOT NULL DEFAULT 0;
      UPDATE actions SET created_us = MAX(0, MIN(created_us, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)));
      UPDATE actions SET seen_us = created_us;
      DROP INDEX actions_by_target;
      CREATE INDEX actions_by_target ON actions (community, target, actor);
      CREATE INDEX actions_by_actor ON actions (actor);
      CREATE INDEX actions_by_community_actor ON actions (community, actor);

      ALTER TABLE memberships ADD COLUMN seen_us INTEGER NOT NULL DEFAULT 0;
      UPDATE memberships SET seen_us = CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER);
      CREATE INDEX memberships_by_did ON memberships (did);
    `,
  },
  {
    version: 7,
    // Membership decides visibility (SPEC §4): bit 4 of `posts.blocked` = the author is not a member.
    // Posts indexed before were all by members when they arrived; those whose author has since left
    // (no active membership, neither owner nor moderator) get the bit now.
    sql: `
      UPDATE posts SET blocked = blocked | 4
        WHERE (blocked & 4) = 0 AND NOT EXISTS (
          SELECT 1 FROM community_keys k JOIN configs c ON c.uri = k.uri
            WHERE k.key = posts.community AND (
              c.owner = substr(posts.post_key, 1, instr(posts.post_key, '/') - 1)
              OR EXISTS (SELECT 1 FROM json_each(c.record, '$.moderators') j WHERE j.value = substr(posts.post_key, 1, instr(posts.post_key, '/') - 1))
              OR EXISTS (SELECT 1 FROM memberships m WHERE m.community = c.uri AND m.active = 1 AND m.did = substr(posts.post_key, 1, instr(posts.post_key, '/') - 1))
            )
        );
    `,
  },
  {
    version: 8,
    // Posts in backfill (issue #13): which members' posts a run has read, so it resumes.
    sql: `
      CREATE TABLE backfill_post_authors (
        source TEXT NOT NULL,
        did TEXT NOT NULL,
        done INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        PRIMARY KEY (source, did)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 9,
    // Join backfill (issue #13): new members whose earlier posts are still to be read from their PDS,
    // and the post deletes the stream delivered for them meanwhile, which win over what is read.
    sql: `
      CREATE TABLE join_backfills (
        community TEXT NOT NULL,
        did TEXT NOT NULL,
        queued_us INTEGER NOT NULL,
        due_us INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (community, did)
      ) WITHOUT ROWID;
      CREATE INDEX join_backfills_due ON join_backfills (due_us);
      CREATE INDEX join_backfills_by_did ON join_backfills (did);
      CREATE TABLE post_tombstones (uri TEXT PRIMARY KEY, seen_us INTEGER NOT NULL) WITHOUT ROWID;
    `,
  },
  {
    version: 10,
    // Keyed by author first: the lookup by author needs no index of its own, one row fewer written
    // per job queued or finished (issue #14, rows written on Durable Objects).
    sql: `
      CREATE TABLE join_backfills_by_author (
        did TEXT NOT NULL,
        community TEXT NOT NULL,
        queued_us INTEGER NOT NULL,
        due_us INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (did, community)
      ) WITHOUT ROWID;
      INSERT INTO join_backfills_by_author (did, community, queued_us, due_us, attempts)
        SELECT did, community, queued_us, due_us, attempts FROM join_backfills;
      DROP TABLE join_backfills;
      ALTER TABLE join_backfills_by_author RENAME TO join_backfills;
      CREATE INDEX join_backfills_due ON join_backfills (due_us);
    `,
  },
  {
    version: 11,
    // Approval to join (SPEC §9): the decision in force per member, kept as moderation decides it,
    // so listing a community's members or its pending ones is one indexed join, not an action scan.
    sql: `
      CREATE TABLE member_approvals (
        community TEXT NOT NULL,
        did TEXT NOT NULL,
        approved INTEGER NOT NULL,
        PRIMARY KEY (community, did)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 12,
    // "Show less like this" (SPEC §12): a viewer's requests per community, until they expire.
    sql: `
      CREATE TABLE show_less (
        community TEXT NOT NULL,
        viewer TEXT NOT NULL,
        author TEXT NOT NULL,
        until_us INTEGER NOT NULL,
        PRIMARY KEY (community, viewer, author)
      );
      CREATE INDEX show_less_until ON show_less (until_us);
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
