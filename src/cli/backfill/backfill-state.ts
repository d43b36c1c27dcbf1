import type { RepoRef } from '../../backfill/repo-listing.js'
import type { SqlDriver } from '../../store/sql-driver.js'


export interface StagedRecord {
  uri: string
  did: string
  collection: string
  rkey: string
  record: unknown
}

/**
 * Backfill progress in the index's own SQLite file (migration 2): listing cursors, which repos
 * are done, and the records read so far. Each step commits with the progress it represents.
 */
export class BackfillState {
  constructor(
    private readonly db: SqlDriver,
    readonly source: string,
  ) {}

  listing(collection: string): { cursor?: string; done: boolean } {
    const row = this.db.all<{ cursor: string | null; done: number }>(
      'SELECT cursor, done FROM backfill_listing WHERE source = ? AND collection = ?', this.source, collection,
    )[0]
    return { ...(row?.cursor ? { cursor: row.cursor } : {}), done: row?.done === 1 }
  }

  /** A page of repos and the cursor after it, atomically; no cursor means the listing is done. */
  saveListingPage(collection: string, repos: RepoRef[], cursor: string | undefined): void {
    this.db.transaction(() => {
      for (const r of repos) {
        this.db.run('INSERT OR IGNORE INTO backfill_repos (source, did, pds) VALUES (?, ?, ?)', this.source, r.did, r.pds ?? null)
      }
      this.db.run(
        `INSERT INTO backfill_listing (source, collection, cursor, done) VALUES (?, ?, ?, ?)
         ON CONFLICT (source, collection) DO UPDATE SET cursor = excluded.cursor, done = excluded.done`,
        this.source, collection, cursor ?? null, cursor ? 0 : 1,
      )
    })
  }

  pendingRepos(): RepoRef[] {
    return this.db
      .all<{ did: string; pds: string | null }>('SELECT did, pds FROM backfill_repos WHERE source = ? AND done = 0 ORDER BY did', this.source)
      .map((r) => ({ did: r.did, ...(r.pds ? { pds: r.pds } : {}) }))
  }

  /** Whether a run from this source started and has not finished (it resumes). */
  inProgress(): boolean {
    return this.db.all('SELECT 1 FROM backfill_listing WHERE source = ? LIMIT 1', this.source).length > 0
  }

  /** Repos read completely in this run: what the index holds of them and they do not, they deleted. */
  doneRepos(): string[] {
    return this.db.all<{ did: string }>('SELECT did FROM backfill_repos WHERE source = ? AND done = 1 ORDER BY did', this.source).map((r) => r.did)
  }

  counts(): { total: number; done: number } {
    const row = this.db.all<{ total: number; done: number | null }>(
      'SELECT COUNT(*) AS total, SUM(done) AS done FROM backfill_repos WHERE source = ?', this.source,
    )[0]
    return { total: row?.total ?? 0, done: row?.done ?? 0 }
  }

  /** A repo's records replace whatever an earlier, interrupted attempt staged for it. */
  finishRepo(did: string, records: StagedRecord[]): void {
    this.db.transaction(() => {
      this.db.run('DELETE FROM backfill_records WHERE source = ? AND did = ?', this.source, did)
      for (const r of records) {
        this.db.run(
          'INSERT OR REPLACE INTO backfill_records (source, uri, did, collection, rkey, record) VALUES (?, ?, ?, ?, ?, ?)',
          this.source, r.uri, r.did, r.collection, r.rkey, JSON.stringify(r.record),
        )
      }
      this.db.run('UPDATE backfill_repos SET done = 1, error = NULL WHERE source = ? AND did = ?', this.source, did)
    })
  }

  failRepo(did: string, error: string): void {
    this.db.run('UPDATE backfill_repos SET error = ? WHERE source = ? AND did = ?', error, this.source, did)
  }

  stagedRecords(): StagedRecord[] {
    return this.db
      .all<{ uri: string; did: string; collection: string; rkey: string; record: string }>(
        'SELECT uri, did, collection, rkey, record FROM backfill_records WHERE source = ?', this.source,
      )
      .map((r) => ({ ...r, record: JSON.parse(r.record) as unknown }))
  }

  /** Members whose posts the run reads; added once, so a resumed run keeps the list it started with. */
  addPostAuthors(dids: Iterable<string>): void {
    this.db.transaction(() => {
      for (const did of dids) this.db.run('INSERT OR IGNORE INTO backfill_post_authors (source, did) VALUES (?, ?)', this.source, did)
    })
  }

  hasPostAuthors(): boolean {
    return this.db.all('SELECT 1 FROM backfill_post_authors WHERE source = ? LIMIT 1', this.source).length > 0
  }

  pendingPostAuthors(): string[] {
    return this.db.all<{ did: string }>('SELECT did FROM backfill_post_authors WHERE source = ? AND done = 0 ORDER BY did', this.source).map((r) => r.did)
  }

  /** Runs `apply` (the author's posts into the index) and marks the author done in one transaction. */
  finishPostAuthor(did: string, apply: () => void): void {
    this.db.transaction(() => {
      apply()
      this.db.run('UPDATE backfill_post_authors SET done = 1, error = NULL WHERE source = ? AND did = ?', this.source, did)
    })
  }

  failPostAuthor(did: string, error: string): void {
    this.db.run('UPDATE backfill_post_authors SET error = ? WHERE source = ? AND did = ?', error, this.source, did)
  }

  /** After a complete run, so the next run reads the network afresh. */
  clear(): void {
    this.db.transaction(() => {
      for (const table of ['backfill_listing', 'backfill_repos', 'backfill_records', 'backfill_post_authors']) {
        this.db.run(`DELETE FROM ${table} WHERE source = ?`, this.source)
      }
    })
  }
}
