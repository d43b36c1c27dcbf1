import { sqlLimit } from '../store/sql-limit.js'
import { DurableObject } from 'cloudflare:workers'
import type { FeedEntry } from '../core/feed-mix.js'
import { US_PER_DAY } from '../core/time.js'
import { DoSqlDriver } from './do-sql-driver.js'
import type { GlobalReport } from './global-report.js'
import { settingsOf } from './settings.js'

export interface GlobalRow {
  uri: string
  sortUs: number
  visible: boolean
}

const PURGE_EVERY_MS = 3_600_000

/**
 * One shard of the recent-posts index behind the feed mix's global source (SPEC §7). The
 * processor fills it from what each community object reports, so a feed request reads a few
 * shards instead of every community. A community's posts all live in one shard (the shard of its
 * id), and its rows carry its config URI, so communities that share an id stay apart.
 */
export class GlobalPosts extends DurableObject<Env> {
  private readonly sql: DoSqlDriver

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.sql = new DoSqlDriver(ctx.storage)
    // Two b-trees a post, the least these reads allow: keyed by post (once-only checks, removals),
    // and the feed order of visible posts. A community's whole set is found by a scan, which only a
    // config change or a deleted account needs.
    this.sql.transaction(() => {
      this.sql.exec(`CREATE TABLE IF NOT EXISTS recent (uri TEXT NOT NULL, community TEXT NOT NULL, sort_us INTEGER NOT NULL, visible INTEGER NOT NULL, PRIMARY KEY (uri, community)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS recent_feed ON recent (sort_us DESC, uri DESC) WHERE visible = 1`)
      // The first layout (`rows`, three b-trees): its rows move once; those still keyed by community
      // id, from before communities were keyed by URI, age out instead.
      if (this.sql.all("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rows'").length > 0) {
        this.sql.exec(`INSERT OR IGNORE INTO recent (uri, community, sort_us, visible)
          SELECT uri, community, sort_us, visible FROM rows WHERE community LIKE 'at://%'; DROP TABLE rows`)
      }
    })
  }

  /** Applies the report of the community at config URI `community`; `replace` swaps in its whole set (after a config change). */
  async sync(community: string, rows: GlobalRow[], removed: string[], replace: boolean): Promise<void> {
    this.sql.transaction(() => this.#apply(community, rows, removed, replace))
    await this.#armPurge()
  }

  #apply(community: string, rows: GlobalRow[], removed: string[], replace: boolean): void {
    if (replace) this.sql.run('DELETE FROM recent WHERE community = ?', community)
    for (const uri of removed) this.sql.run('DELETE FROM recent WHERE uri = ? AND community = ?', uri, community)
    for (const r of rows) {
      // Unchanged rows are left alone: a report repeats posts whose state did not move.
      this.sql.run(
        `INSERT INTO recent (uri, community, sort_us, visible) VALUES (?, ?, ?, ?)
          ON CONFLICT (uri, community) DO UPDATE SET sort_us = excluded.sort_us, visible = excluded.visible
          WHERE sort_us != excluded.sort_us OR visible != excluded.visible`,
        r.uri, community, r.sortUs, r.visible ? 1 : 0,
      )
    }
  }

  #purgeArmed = false

  async #armPurge(): Promise<void> {
    if (this.#purgeArmed) return
    this.#purgeArmed = true
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + PURGE_EVERY_MS)
  }

  /** Several communities' reports in one call and one transaction: what a queue batch sends a shard. */
  async syncMany(reports: ({ community: string } & GlobalReport)[]): Promise<void> {
    this.sql.transaction(() => {
      for (const r of reports) this.#apply(r.community, r.rows, r.removed, r.replace)
    })
    await this.#armPurge()
  }

  /** Visible posts of every community but `exclude`, each once, in feed order. */
  read(exclude: string[], after: FeedEntry | undefined, n: number, minSortUs: number): FeedEntry[] {
    const out: FeedEntry[] = []
    const rows = this.sql.all<FeedEntry>(
      `SELECT uri, sort_us AS sortUs FROM recent INDEXED BY recent_feed WHERE visible = 1 AND sort_us >= ?
        AND community NOT IN (${exclude.map(() => '?').join(', ') || "''"}) ${after ? 'AND (sort_us, uri) < (?, ?)' : ''}
        ORDER BY sort_us DESC, uri DESC ${sqlLimit(n * 2)}`,
      minSortUs, ...exclude, ...(after ? [after.sortUs, after.uri] : []),
    )
    for (const r of rows) if (out[out.length - 1]?.uri !== r.uri && out.length < n) out.push(r)
    return out
  }

  /** Which of `uris` are visible in some community other than `exclude`. */
  visibleElsewhere(uris: string[], exclude: string[]): string[] {
    // One statement for the whole list: DO SQL binds at most 100 parameters, and a page's
    // candidates can be many more.
    return this.sql.all<{ uri: string }>(
      `SELECT DISTINCT uri FROM recent WHERE uri IN (SELECT value FROM json_each(?)) AND visible = 1
        AND community NOT IN (${exclude.map(() => '?').join(', ') || "''"})`,
      JSON.stringify(uris), ...exclude,
    ).map((r) => r.uri)
  }

  override async alarm(): Promise<void> {
    const minSortUs = Date.now() * 1000 - settingsOf(this.env).retentionDays * US_PER_DAY
    this.sql.run('DELETE FROM recent WHERE sort_us < ?', minSortUs)
    await this.ctx.storage.setAlarm(Date.now() + PURGE_EVERY_MS)
  }
}
