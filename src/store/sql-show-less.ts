import { first } from './sql-driver.js'
import { SqlJoinBackfills } from './sql-join-backfills.js'

const MAX_KEPT_VIEWERS = 10_000
const lessKey = (community: string, viewer: string) => `${community} ${viewer}`

/** "Show less like this" per community, viewer and author (SPEC §12, migration 12). */
export class SqlShowLess extends SqlJoinBackfills {
  // Every signed-in feed request asks for its viewer's rows, and only this store writes them: kept
  // per community and viewer, whatever their times, until a write names that pair (bounded: a
  // flood of distinct viewers empties it rather than growing it).
  readonly #less = new Map<string, { author: string; untilUs: number }[]>()

  requestLess(community: string, viewer: string, author: string, untilUs: number, maxPerViewer: number): void {
    this.#less.delete(lessKey(community, viewer))
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
    this.#less.delete(lessKey(community, viewer))
    this.db.run('DELETE FROM show_less WHERE community = ? AND viewer = ? AND author = ?', community, viewer, author)
  }

  lessAuthors(community: string, viewer: string, nowUs: number): string[] {
    const key = lessKey(community, viewer)
    let rows = this.#less.get(key)
    if (!rows) {
      rows = this.db.all<{ author: string; untilUs: number }>('SELECT author, until_us AS untilUs FROM show_less WHERE community = ? AND viewer = ?', community, viewer)
      if (this.#less.size >= MAX_KEPT_VIEWERS) this.#less.clear()
      this.#less.set(key, rows)
    }
    return rows.filter((r) => r.untilUs > nowUs).map((r) => r.author)
  }

  /** After a rolled-back transaction: rows read inside it may be gone. */
  protected forgetShowLess(): void {
    this.#less.clear()
  }

  purgeShowLess(nowUs: number, limit: number): number {
    this.#less.clear()
    return this.db.all('DELETE FROM show_less WHERE rowid IN (SELECT rowid FROM show_less WHERE until_us <= ? LIMIT ?) RETURNING 1', nowUs, limit).length
  }
}
