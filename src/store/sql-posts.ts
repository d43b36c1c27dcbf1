import type { IndexedPost, ModeratedPost, SkeletonQuery } from '../core/store.js'
import { authorKeyRange, authorOfKey, postKey, postUri } from './post-key.js'
import { first, type SqlDriver, type SqlValue } from './sql-driver.js'
import { sqlLimit } from './sql-limit.js'

type FeedRow = { uri: string; sortUs: number }

/** Bits of `posts.blocked` (migration 6); a post is visible only when no bit is set. */
export const BLOCKED_IN_COMMUNITY = 1
export const ACCOUNT_INACTIVE = 2
/** SPEC §4: the author is not a member; the post is kept, not shown. */
export const NOT_MEMBER = 4

/**
 * A feed position as a key bound. Cursors carry uris; one that names no post (only a forged cursor
 * can) bounds at the lowest key, so the page continues below its sort time.
 */
const keyAfter = (after: { sortUs: number; uri: string }): [number, string] => [after.sortUs, postKey(after.uri) ?? '']

// Feed reads select (post_key, sort_us) as arrays: one object fewer per row of every page.
const rowToFeedRow = (r: SqlValue[]): FeedRow => ({ uri: postUri(r[0] as string), sortUs: r[1] as number })

type StateRow = { k: string; sortUs: number; hidden: number; blocked: number }
const toState = (r: StateRow): ModeratedPost => ({
  uri: postUri(r.k), author: authorOfKey(r.k), sortUs: r.sortUs, hidden: r.hidden === 1,
  blocked: (r.blocked & BLOCKED_IN_COMMUNITY) !== 0, inactive: (r.blocked & ACCOUNT_INACTIVE) !== 0, notMember: (r.blocked & NOT_MEMBER) !== 0,
})

/** The posts half of the Store over SQL (the schema is migration 6). */
export class SqlPosts {
  /** Writes that changed a row of the index (not the cursor); see indexVersion. */
  protected writes = 0
  /**
   * Community URI → its key in `posts`. Keys are never deleted or reassigned once committed, so
   * entries stay true across connections; only a rolled-back insert can leave a wrong one.
   */
  readonly #keys = new Map<string, number>()
  /** Whether any account is recorded as not active; read per post indexed, so remembered. */
  protected anyInactive: boolean | undefined

  /**
   * Whether posts_global exists: the index of every post by time, for the global mix and purges.
   * A Durable Object holds one id's communities and takes the global mix from its shards, so it
   * goes without, one b-tree fewer written per post (issue #14); purges then go community by community.
   */
  protected globalIndex = true

  constructor(protected readonly db: SqlDriver) {}

  /** Counts a write that changed rows; replays that change nothing leave readers' caches alone. */
  protected wrote(result: { changes: number } | number): void {
    if ((typeof result === 'number' ? result : result.changes) > 0) this.writes++
  }

  /** Forgets what a rolled-back transaction may have written. */
  protected forgetKeys(): void {
    this.#keys.clear()
    this.anyInactive = undefined
  }

  /** The community's key; undefined when it has none yet (so it holds no post), unless `create`. */
  protected keyOf(community: string, create: true): number
  protected keyOf(community: string, create?: boolean): number | undefined
  protected keyOf(community: string, create = false): number | undefined {
    let key = this.#keys.get(community)
    if (key !== undefined) return key
    key = first(this.db.all<{ key: number }>('SELECT key FROM community_keys WHERE uri = ?', community))?.key
    if (key === undefined && create) {
      key = first(this.db.all<{ key: number }>('INSERT INTO community_keys (uri) VALUES (?) RETURNING key', community))!.key
    }
    if (key !== undefined) {
      if (this.#keys.size >= 100_000) this.#keys.clear()
      this.#keys.set(community, key)
    }
    return key
  }

  postSortUs(uri: string): number | undefined {
    const key = postKey(uri)
    return key === undefined ? undefined : first(this.db.all<{ sort_us: number }>('SELECT sort_us FROM posts WHERE post_key = ? LIMIT 1', key))?.sort_us
  }

  authorPosts(author: string): string[] {
    return this.db.all<{ k: string }>('SELECT DISTINCT post_key AS k FROM posts WHERE post_key >= ? AND post_key < ?', ...authorKeyRange(author)).map((r) => postUri(r.k))
  }

  postCommunities(uri: string): string[] {
    const key = postKey(uri)
    if (key === undefined) return []
    return this.db.all<{ uri: string }>('SELECT k.uri FROM posts p JOIN community_keys k ON k.key = p.community WHERE p.post_key = ?', key).map((r) => r.uri)
  }

  visibleCommunities(uri: string): string[] {
    const key = postKey(uri)
    if (key === undefined) return []
    return this.db.all<{ uri: string }>(
      'SELECT k.uri FROM posts p JOIN community_keys k ON k.key = p.community WHERE p.post_key = ? AND p.hidden = 0 AND p.blocked = 0', key,
    ).map((r) => r.uri)
  }

  putPost(p: IndexedPost): boolean {
    const key = postKey(p.uri)
    if (key === undefined) throw new Error(`not a post uri: ${p.uri}`)
    const blocked = (this.isInactive(key) ? ACCOUNT_INACTIVE : 0) | (p.blocked ? BLOCKED_IN_COMMUNITY : 0) | (p.member === false ? NOT_MEMBER : 0)
    const result = this.db.run(
      'INSERT OR IGNORE INTO posts (post_key, community, sort_us, hidden, blocked) VALUES (?, ?, ?, ?, ?)',
      key, this.keyOf(p.community, true), p.sortUs, p.hidden ? 1 : 0, blocked,
    )
    this.wrote(result)
    return result.changes > 0
  }

  /** Whether the author of the post `key` has an account that is not active. */
  private isInactive(key: string): boolean {
    this.anyInactive ??= this.db.all('SELECT 1 FROM accounts LIMIT 1').length > 0
    return this.anyInactive && this.db.all('SELECT 1 FROM accounts WHERE did = ?', authorOfKey(key)).length > 0
  }

  removePost(community: string, uri: string): void {
    const key = postKey(uri)
    const c = this.keyOf(community)
    if (key !== undefined && c !== undefined) this.wrote(this.db.run('DELETE FROM posts WHERE post_key = ? AND community = ?', key, c))
  }

  deletePost(uri: string): void {
    const key = postKey(uri)
    if (key !== undefined) this.wrote(this.db.run('DELETE FROM posts WHERE post_key = ?', key))
  }

  deleteAuthorPosts(author: string): void {
    this.wrote(this.db.run('DELETE FROM posts WHERE post_key >= ? AND post_key < ?', ...authorKeyRange(author)))
  }

  setPostHidden(community: string, uri: string, hidden: boolean): void {
    const key = postKey(uri)
    const c = this.keyOf(community)
    if (key !== undefined && c !== undefined) this.wrote(this.db.run('UPDATE posts SET hidden = ? WHERE post_key = ? AND community = ?', hidden ? 1 : 0, key, c))
  }

  /** Sets or clears one bit of `blocked` on an author's posts, in one community or in all. */
  protected setAuthorFlag(author: string, bit: number, on: boolean, community?: string): void {
    const c = community === undefined ? undefined : this.keyOf(community)
    if (community !== undefined && c === undefined) return
    // The unary + keeps the planner off posts_feed, which would scan the whole community.
    this.wrote(this.db.run(
      `UPDATE posts SET blocked = ${on ? `blocked | ${bit}` : `blocked & ~${bit}`}
        WHERE post_key >= ? AND post_key < ? AND (blocked & ${bit}) ${on ? '= 0' : '!= 0'} ${c === undefined ? '' : 'AND +community = ?'}`,
      ...authorKeyRange(author), ...(c === undefined ? [] : [c]),
    ))
  }

  setAuthorMember(community: string, author: string, member: boolean): void {
    this.setAuthorFlag(author, NOT_MEMBER, !member, community)
  }

  capNonMemberPosts(community: string, author: string, max: number): number {
    const c = this.keyOf(community)
    if (c === undefined) return 0
    // The author's key range, newest kept: bounded by what one author holds, never a community scan.
    const dropped = this.db.all(
      `DELETE FROM posts WHERE (post_key, community) IN
        (SELECT post_key, community FROM posts WHERE post_key >= ? AND post_key < ? AND +community = ? AND (blocked & ${NOT_MEMBER}) != 0
          ORDER BY sort_us DESC, post_key DESC LIMIT -1 OFFSET ?) RETURNING 1`,
      ...authorKeyRange(author), c, max,
    ).length
    this.wrote(dropped)
    return dropped
  }

  dropCommunityPosts(community: string): void {
    const c = this.keyOf(community)
    if (c !== undefined) this.wrote(this.db.run('DELETE FROM posts INDEXED BY posts_feed WHERE community = ?', c))
  }

  skeleton(q: SkeletonQuery): FeedRow[] {
    const c = this.keyOf(q.community)
    if (c === undefined) return []
    return this.db.rows(
      `SELECT post_key, sort_us FROM posts INDEXED BY posts_feed
        WHERE community = ? AND hidden = 0 AND blocked = 0 AND sort_us >= ? ${q.after ? 'AND (sort_us, post_key) < (?, ?)' : ''}
        ORDER BY sort_us DESC, post_key DESC ${sqlLimit(q.limit)}`,
      c, q.minSortUs, ...(q.after ? keyAfter(q.after) : []),
    ).map(rowToFeedRow)
  }

  globalSkeleton(q: Omit<SkeletonQuery, 'community'> & { exclude: string[] }): FeedRow[] {
    const exclude = q.exclude.map((uri) => this.keyOf(uri)).filter((k) => k !== undefined)
    const excluded = exclude.map(() => '?').join(', ') || '-1'
    // A post in several communities shares its sort time, so its rows are adjacent: drop repeats
    // here, and ask for a few extra rows so they rarely cost a short page.
    const rows = this.db.rows(
      `SELECT post_key, sort_us FROM posts ${this.globalIndex ? 'INDEXED BY posts_global' : ''}
        WHERE hidden = 0 AND blocked = 0 AND sort_us >= ? AND community NOT IN (${excluded})
        ${q.after ? 'AND (sort_us, post_key) < (?, ?)' : ''}
        ORDER BY sort_us DESC, post_key DESC ${sqlLimit(q.limit * 2)}`,
      q.minSortUs, ...exclude, ...(q.after ? keyAfter(q.after) : []),
    )
    const out: FeedRow[] = []
    let last: SqlValue | undefined
    for (const r of rows) {
      if (r[0] === last) continue
      last = r[0]
      out.push(rowToFeedRow(r))
      if (out.length === q.limit) break
    }
    return out
  }

  moderatedPosts(q: SkeletonQuery): ModeratedPost[] {
    const c = this.keyOf(q.community)
    if (c === undefined) return []
    return this.db.all<StateRow>(
      `SELECT post_key AS k, sort_us AS sortUs, hidden, blocked FROM posts INDEXED BY posts_feed
        WHERE community = ? AND sort_us >= ? ${q.after ? 'AND (sort_us, post_key) < (?, ?)' : ''}
        ORDER BY sort_us DESC, post_key DESC ${sqlLimit(q.limit)}`,
      c, q.minSortUs, ...(q.after ? keyAfter(q.after) : []),
    ).map(toState)
  }

  /** Uris of an author's posts in a community. */
  authorPostUris(community: string, author: string): string[] {
    const c = this.keyOf(community)
    if (c === undefined) return []
    // The unary + keeps the planner on the key range, as in setAuthorFlag.
    return this.db.all<{ k: string }>('SELECT post_key AS k FROM posts WHERE post_key >= ? AND post_key < ? AND +community = ?', ...authorKeyRange(author), c)
      .map((r) => postUri(r.k))
  }

  /** Each given post's row in a community, with its flags; posts not there are left out. */
  postStates(community: string, uris: Iterable<string>): ModeratedPost[] {
    const c = this.keyOf(community)
    if (c === undefined) return []
    const out: ModeratedPost[] = []
    for (const uri of uris) {
      const key = postKey(uri)
      const row = key === undefined ? undefined : first(this.db.all<StateRow>('SELECT post_key AS k, sort_us AS sortUs, hidden, blocked FROM posts WHERE post_key = ? AND community = ?', key, c))
      if (row) out.push(toState(row))
    }
    return out
  }

  /** Every post of a community with its flags, whatever its age, in no particular order. */
  allPostStates(community: string): ModeratedPost[] {
    const c = this.keyOf(community)
    if (c === undefined) return []
    return this.db.all<StateRow>('SELECT post_key AS k, sort_us AS sortUs, hidden, blocked FROM posts INDEXED BY posts_feed WHERE community = ?', c).map(toState)
  }

  postCounts(community: string, minSortUs: number): { indexed: number; hidden: number } {
    const c = this.keyOf(community)
    if (c === undefined) return { indexed: 0, hidden: 0 }
    const row = first(this.db.all<{ indexed: number; hidden: number | null }>(
      'SELECT COUNT(*) AS indexed, SUM(hidden) AS hidden FROM posts INDEXED BY posts_feed WHERE community = ? AND sort_us >= ?', c, minSortUs,
    ))
    return { indexed: row?.indexed ?? 0, hidden: row?.hidden ?? 0 }
  }

  purgePosts(minSortUs: number, limit: number): number {
    // RETURNING counts rows portably: DO SQL's rowsWritten also counts index writes.
    let purged = 0
    // Pinned posts outlive retention while pinned (SPEC §10): a welcome post stays a welcome post.
    const pinned = JSON.stringify(this.db.all<{ uri: string }>("SELECT j.value AS uri FROM configs, json_each(configs.record, '$.pinnedPosts') j").flatMap((r) => postKey(r.uri) ?? []))
    if (this.globalIndex) {
      purged = this.db.all(
        `DELETE FROM posts WHERE (post_key, community) IN
          (SELECT post_key, community FROM posts INDEXED BY posts_global WHERE sort_us < ? AND post_key NOT IN (SELECT value FROM json_each(?)) ORDER BY sort_us LIMIT ?) RETURNING 1`,
        minSortUs, pinned, limit,
      ).length
    } else {
      for (const { key } of this.db.all<{ key: number }>('SELECT key FROM community_keys')) {
        if (purged >= limit) break
        purged += this.db.all(
          `DELETE FROM posts WHERE (post_key, community) IN
            (SELECT post_key, community FROM posts INDEXED BY posts_feed WHERE community = ? AND sort_us < ? AND post_key NOT IN (SELECT value FROM json_each(?)) LIMIT ?) RETURNING 1`,
          key, minSortUs, pinned, limit - purged,
        ).length
      }
    }
    this.wrote(purged)
    return purged
  }

  indexedAuthors(): string[] {
    // Keys start with the author's DID: one seek per author, past the previous author's whole
    // range, instead of reading every post.
    const authors: string[] = []
    for (let from = ''; ;) {
      const row = first(this.db.all<{ k: string }>('SELECT post_key AS k FROM posts WHERE post_key >= ? ORDER BY post_key LIMIT 1', from))
      if (!row) return authors
      const author = authorOfKey(row.k)
      authors.push(author)
      from = authorKeyRange(author)[1]
    }
  }
}
