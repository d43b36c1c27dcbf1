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
 * id), and its rows are keyed by its config URI, so communities that share an id stay apart.
 */
export class GlobalPosts extends DurableObject<Env> {
  private readonly sql: DoSqlDriver

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.sql = new DoSqlDriver(ctx.storage)
    this.sql.exec(`CREATE TABLE IF NOT EXISTS rows (community TEXT NOT NULL, uri TEXT NOT NULL, sort_us INTEGER NOT NULL, visible INTEGER NOT NULL, PRIMARY KEY (community, uri)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS rows_feed ON rows (sort_us DESC, uri DESC) WHERE visible = 1;
      CREATE INDEX IF NOT EXISTS rows_uri ON rows (uri)`)
  }

  /**
   * Applies the report of the community at config URI `community`; `replace` swaps in its whole set
   * (after a config change). `legacyId` is given by the sole community of its id.
   */
  async sync(community: string, rows: GlobalRow[], removed: string[], replace: boolean, legacyId?: string): Promise<void> {
    this.sql.transaction(() => this.#apply(community, rows, removed, replace, legacyId))
    await this.#armPurge()
  }

  #apply(community: string, rows: GlobalRow[], removed: string[], replace: boolean, legacyId: string | undefined): void {
    // Rows written before communities were keyed by URI carry the id, which then named one
    // community: its sole holder claims them on its first report; otherwise they age out.
    if (legacyId !== undefined) this.sql.run('UPDATE OR REPLACE rows SET community = ? WHERE community = ?', community, legacyId)
    if (replace) this.sql.run('DELETE FROM rows WHERE community = ?', community)
    for (const uri of removed) this.sql.run('DELETE FROM rows WHERE community = ? AND uri = ?', community, uri)
    for (const r of rows) {
      this.sql.run('INSERT OR REPLACE INTO rows (community, uri, sort_us, visible) VALUES (?, ?, ?, ?)', community, r.uri, r.sortUs, r.visible ? 1 : 0)
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
      for (const r of reports) this.#apply(r.community, r.rows, r.removed, r.replace, r.legacyId)
    })
    await this.#armPurge()
  }

  /** Visible posts of every community but `exclude`, each once, in feed order. */
  read(exclude: string[], after: FeedEntry | undefined, n: number, minSortUs: number): FeedEntry[] {
    const out: FeedEntry[] = []
    const rows = this.sql.all<FeedEntry>(
      `SELECT uri, sort_us AS sortUs FROM rows INDEXED BY rows_feed WHERE visible = 1 AND sort_us >= ?
        AND community NOT IN (${exclude.map(() => '?').join(', ') || "''"}) ${after ? 'AND (sort_us, uri) < (?, ?)' : ''}
        ORDER BY sort_us DESC, uri DESC LIMIT ?`,
      minSortUs, ...exclude, ...(after ? [after.sortUs, after.uri] : []), n * 2,
    )
    for (const r of rows) if (out[out.length - 1]?.uri !== r.uri && out.length < n) out.push(r)
    return out
  }

  /** Which of `uris` are visible in some community other than `exclude`. */
  visibleElsewhere(uris: string[], exclude: string[]): string[] {
    // One statement for the whole list: DO SQL binds at most 100 parameters, and a page's
    // candidates can be many more.
    return this.sql.all<{ uri: string }>(
      `SELECT DISTINCT uri FROM rows INDEXED BY rows_uri WHERE uri IN (SELECT value FROM json_each(?)) AND visible = 1
        AND community NOT IN (${exclude.map(() => '?').join(', ') || "''"})`,
      JSON.stringify(uris), ...exclude,
    ).map((r) => r.uri)
  }

  override async alarm(): Promise<void> {
    const minSortUs = Date.now() * 1000 - settingsOf(this.env).retentionDays * US_PER_DAY
    this.sql.run('DELETE FROM rows WHERE sort_us < ?', minSortUs)
    await this.ctx.storage.setAlarm(Date.now() + PURGE_EVERY_MS)
  }
}
