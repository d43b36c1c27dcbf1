import type { SqlDriver } from '../store/sql-driver.js'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS receiver_cursor (id INTEGER PRIMARY KEY CHECK (id = 0), time_us INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS receiver_authors (did TEXT PRIMARY KEY, seen_us INTEGER NOT NULL);
`

const DAY_US = 86_400_000_000

/** What the receiver keeps across evictions: the stream cursor and the candidate authors. */
export class ReceiverState {
  constructor(private readonly db: SqlDriver) {
    db.exec(SCHEMA)
  }

  cursor(): number | undefined {
    return this.db.all<{ time_us: number }>('SELECT time_us FROM receiver_cursor WHERE id = 0')[0]?.time_us
  }

  saveCursor(timeUs: number): void {
    this.db.run(
      'INSERT INTO receiver_cursor (id, time_us) VALUES (0, ?) ON CONFLICT (id) DO UPDATE SET time_us = excluded.time_us',
      timeUs,
    )
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
      DAY_US,
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
