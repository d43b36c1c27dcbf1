import { first } from './sql-driver.js'
import { SqlJoinBackfills } from './sql-join-backfills.js'

/** "Show less like this" per community, viewer and author (SPEC §12, migration 12). */
export class SqlShowLess extends SqlJoinBackfills {
  requestLess(community: string, viewer: string, author: string, untilUs: number, maxPerViewer: number): void {
    this.db.run(
      'INSERT INTO show_less (community, viewer, author, until_us) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET until_us = excluded.until_us',
      community, viewer, author, untilUs,
    )
    // A viewer keeps their latest requests only: a flood of them costs a bounded number of rows.
    const n = first(this.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM show_less WHERE community = ? AND viewer = ?', community, viewer))?.n ?? 0
    if (n > maxPerViewer) {
      this.db.run(
        `DELETE FROM show_less WHERE community = ? AND viewer = ? AND author IN
          (SELECT author FROM show_less WHERE community = ? AND viewer = ? ORDER BY until_us, author LIMIT ?)`,
        community, viewer, community, viewer, n - maxPerViewer,
      )
    }
  }

  requestMore(community: string, viewer: string, author: string): void {
    this.db.run('DELETE FROM show_less WHERE community = ? AND viewer = ? AND author = ?', community, viewer, author)
  }

  lessAuthors(community: string, viewer: string, nowUs: number): string[] {
    return this.db.all<{ author: string }>('SELECT author FROM show_less WHERE community = ? AND viewer = ? AND until_us > ?', community, viewer, nowUs).map((r) => r.author)
  }

  purgeShowLess(nowUs: number, limit: number): number {
    return this.db.all('DELETE FROM show_less WHERE rowid IN (SELECT rowid FROM show_less WHERE until_us <= ? LIMIT ?) RETURNING 1', nowUs, limit).length
  }
}
