import { US_PER_DAY } from '../core/time.js'
import type { SqlDriver } from '../store/sql-driver.js'

// A cursor per stream (Jetstream's time_us, a firehose host's seq): switching streams never reuses one.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS receiver_cursors (source TEXT PRIMARY KEY, cursor INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS receiver_authors (did TEXT PRIMARY KEY, seen_us INTEGER NOT NULL);
`

/** What the receiver keeps across evictions: the stream cursor and the candidate authors. */
export class ReceiverState {
  /** `source`: the stream's cursor key (StreamSource.key). */
  constructor(private readonly db: SqlDriver, private readonly source = 'jetstream') {
    db.transaction(() => {
      db.exec(SCHEMA)
      // The first layout kept one Jetstream cursor.
      if (db.all("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'receiver_cursor'").length > 0) {
        db.exec("INSERT OR IGNORE INTO receiver_cursors (source, cursor) SELECT 'jetstream', time_us FROM receiver_cursor WHERE id = 0; DROP TABLE receiver_cursor")
      }
    })
  }

  cursor(): number | undefined {
    return this.db.all<{ cursor: number }>('SELECT cursor FROM receiver_cursors WHERE source = ?', this.source)[0]?.cursor
  }

  saveCursor(cursor: number): void {
    this.db.run('INSERT INTO receiver_cursors (source, cursor) VALUES (?, ?) ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor', this.source, cursor)
  }

  /** The stream said the cursor is no good (a firehose's FutureCursor): follow live from now on. */
  forgetCursor(): void {
    this.db.run('DELETE FROM receiver_cursors WHERE source = ?', this.source)
  }

  authors(): string[] {
    return this.db.all<{ did: string }>('SELECT did FROM receiver_authors').map((r) => r.did)
  }

  /** Records an author; one seen within the last day is left as it is, so a busy author costs no write. */
  addAuthor(did: string, seenUs: number): void {
    this.db.run(
      'INSERT INTO receiver_authors (did, seen_us) VALUES (?, ?) ON CONFLICT (did) DO UPDATE SET seen_us = excluded.seen_us WHERE seen_us < excluded.seen_us - ?',
      did,
      seenUs,
      US_PER_DAY,
    )
  }

  /**
   * Drops authors last seen before `beforeUs`. A post whose event is older than the retention
   * window is never indexed (its sort time is at most its event time), so its deletes need not pass.
   */
  pruneAuthors(beforeUs: number): number {
    return this.db.run('DELETE FROM receiver_authors WHERE seen_us < ?', beforeUs).changes
  }
}
