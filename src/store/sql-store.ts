import type { CommunityConfig } from '../core/records.js'
import type { CommunityPageQuery, MemberRow, PageQuery, Store, StoredAction, StoredConfig, StoredMembership } from '../core/store.js'
import { communityPageSql } from './community-page-sql.js'
import { migrate } from './migrations.js'
import { ReadCache } from './read-cache.js'
import { first, type SqlDriver } from './sql-driver.js'
import { SqlShowLess } from './sql-show-less.js'
import { ACCOUNT_INACTIVE, BLOCKED_IN_COMMUNITY } from './sql-posts.js'

interface ConfigRow {
  uri: string
  id: string
  owner: string
  record: string
}

interface ActionRow {
  uri: string
  actor: string
  community: string
  action: StoredAction['action']
  target: string
  reason: string | null
  created_at: string
  created_us: number
  seen_us: number
}

// Shared between callers, so nobody may change it.
function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') for (const x of Object.values(Object.freeze(v))) deepFreeze(x)
  return v
}

const toConfig = (r: ConfigRow): StoredConfig =>
  deepFreeze({ uri: r.uri, id: r.id, owner: r.owner, config: JSON.parse(r.record) as CommunityConfig })

const MEMBERS = 'members '
const APPROVED = 'approved '

/** Narrows `memberships m` to the approved (SPEC §9) or the undecided; nothing without `approval`. */
const approvalWhere = (approval: 'approved' | 'pending' | undefined): string => {
  const decision = 'SELECT 1 FROM member_approvals a WHERE a.community = m.community AND a.did = m.did'
  return approval === 'approved' ? `AND EXISTS (${decision} AND a.approved = 1)` : approval === 'pending' ? `AND NOT EXISTS (${decision})` : ''
}

const toAction = (r: ActionRow): StoredAction => ({
  uri: r.uri,
  actor: r.actor,
  community: r.community,
  action: r.action,
  target: r.target,
  ...(r.reason === null ? {} : { reason: r.reason }),
  createdAt: r.created_at,
  effectiveUs: r.created_us,
  seenUs: r.seen_us,
})

const list = (values: readonly unknown[]): string => values.map(() => '?').join(', ')

/** The index on SQLite, for any driver (better-sqlite3 on Node, Durable Object SQL on Workers). */
export class SqlStore extends SqlShowLess implements Store {
  private readonly cache: ReadCache
  private seenDataVersion: number | undefined

  /**
   * `globalIndex: false` drops posts_global (see SqlPosts): for an index of a few communities only.
   * `otherWritersEveryMs`: how often to ask SQLite whether another connection has committed (100 ms).
   * This store's own writes count at once; another process's (`atrarium backfill` beside a running
   * host) show within that time. Asking is a read transaction of its own, a lock taken and dropped
   * on the -shm file, which every cached feed page used to pay.
   */
  constructor(db: SqlDriver, opts: { globalIndex?: boolean; otherWritersEveryMs?: number } = {}) {
    super(db)
    migrate(db)
    this.globalIndex = opts.globalIndex ?? true
    db.exec(this.globalIndex
      ? 'CREATE INDEX IF NOT EXISTS posts_global ON posts (sort_us, post_key, hidden, blocked)'
      : 'DROP INDEX IF EXISTS posts_global')
    this.dataVersion = db.dataVersion ? throttled(db.dataVersion.bind(db), opts.otherWritersEveryMs ?? 100) : undefined
    this.cache = new ReadCache(this.dataVersion)
    this.seenDataVersion = this.dataVersion?.()
  }

  private readonly dataVersion: (() => number) | undefined

  transaction<T>(fn: () => T): T {
    try {
      return this.db.transaction(() => this.cache.within(fn))
    } catch (e) {
      // Rolled back: what it wrote is undone, which is a change too.
      this.cache.clear()
      this.forgetKeys()
      this.forgetShowLess()
      this.writes++
      throw e
    }
  }

  read<T>(fn: () => T): T {
    const { db } = this
    return db.read ? db.read(() => this.cache.within(fn)) : fn()
  }

  indexVersion(): number {
    const dataVersion = this.dataVersion?.()
    if (dataVersion !== this.seenDataVersion) {
      this.seenDataVersion = dataVersion
      this.writes++
    }
    return this.writes
  }

  getCursor(source: string): number | undefined {
    return first(this.db.all<{ cursor: number }>('SELECT cursor FROM cursors WHERE source = ?', source))?.cursor
  }

  setCursor(source: string, cursor: number): void {
    this.db.run('INSERT INTO cursors (source, cursor) VALUES (?, ?) ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor', source, cursor)
  }

  getConfig(uri: string): StoredConfig | undefined {
    return this.cache.get(`config ${uri}`, () => this.loadConfig('SELECT * FROM configs WHERE uri = ?', uri))
  }

  communitiesWithId(id: string): StoredConfig[] {
    return this.cache.get(`community ${id}`, () => this.db.all<ConfigRow>('SELECT * FROM configs WHERE id = ? ORDER BY uri', id).map(toConfig))
  }

  private loadConfig(sql: string, key: string): StoredConfig | undefined {
    const row = first(this.db.all<ConfigRow>(sql, key))
    return row && toConfig(row)
  }

  communitiesPage(q: CommunityPageQuery): StoredConfig[] {
    const { sql, params } = communityPageSql('configs', "json_extract(record, '$.name')", q)
    return this.db.all<ConfigRow>(sql, ...params).map(toConfig)
  }

  childCommunities(uri: string, limit: number): StoredConfig[] {
    return this.db.all<ConfigRow>("SELECT * FROM configs WHERE json_extract(record, '$.parentCommunity') = ? ORDER BY id, uri LIMIT ?", uri, limit).map(toConfig)
  }

  putConfig(c: StoredConfig): void {
    this.cache.clear()
    this.wrote(this.db.run(
      'INSERT INTO configs (uri, id, owner, record) VALUES (?, ?, ?, ?) ON CONFLICT (uri) DO UPDATE SET record = excluded.record',
      c.uri, c.id, c.owner, JSON.stringify(c.config),
    ))
  }

  deleteConfig(uri: string): void {
    this.cache.clear()
    this.wrote(this.db.run('DELETE FROM configs WHERE uri = ?', uri))
    this.wrote(this.db.run('DELETE FROM blocked_authors WHERE community = ?', uri))
    this.wrote(this.db.run('DELETE FROM member_approvals WHERE community = ?', uri))
  }

  putMembership(m: StoredMembership): void {
    // An update may move a membership between communities: forget every community's members.
    this.cache.forget(MEMBERS)
    // The first-seen time stays what it was: an update is not a new record (SPEC §6).
    this.wrote(this.db.run(
      `INSERT INTO memberships (uri, did, community, role, joined_at, active, seen_us) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (uri) DO UPDATE SET did = excluded.did, community = excluded.community, role = excluded.role,
          joined_at = excluded.joined_at, active = excluded.active
        WHERE did != excluded.did OR community != excluded.community OR role != excluded.role
          OR joined_at != excluded.joined_at OR active != excluded.active`,
      m.uri, m.did, m.community, m.role, m.joinedAt, m.active ? 1 : 0, m.seenUs,
    ))
  }

  deleteMembership(uri: string): void {
    this.cache.forget(MEMBERS)
    this.wrote(this.db.run('DELETE FROM memberships WHERE uri = ?', uri))
  }

  getMembership(uri: string): { did: string; community: string } | undefined {
    return first(this.db.all<{ did: string; community: string }>('SELECT did, community FROM memberships WHERE uri = ?', uri))
  }

  hasActiveMembership(community: string, did: string): boolean {
    // Asked for every post: a community's active members are read once and kept as a set (memory
    // in proportion to the memberships table, which is small beside the posts).
    const members = this.cache.get(`${MEMBERS}${community}`, () =>
      new Set(this.db.all<{ did: string }>('SELECT DISTINCT did FROM memberships WHERE community = ? AND active = 1', community).map((r) => r.did)))
    return members.has(did)
  }

  activeMembers(community: string, q: PageQuery<string>, approval?: 'approved' | 'pending'): MemberRow[] {
    return this.db.all<MemberRow>(
      `SELECT m.did, MIN(m.joined_at) AS joinedAt FROM memberships m WHERE m.community = ? AND m.active = 1 ${approvalWhere(approval)}
        ${q.after !== undefined ? 'AND m.did > ?' : ''} GROUP BY m.did ORDER BY m.did LIMIT ?`,
      community, ...(q.after !== undefined ? [q.after] : []), q.limit,
    )
  }

  countMembers(community: string, extra: readonly string[], approval?: 'approved' | 'pending'): number {
    const unique = [...new Set(extra)]
    const held = unique.length === 0 ? [] : this.db.all<{ did: string }>(
      `SELECT DISTINCT m.did FROM memberships m WHERE m.community = ? AND m.active = 1 ${approvalWhere(approval)} AND m.did IN (${unique.map(() => '?').join(', ')})`,
      community, ...unique,
    )
    const rows = first(this.db.all<{ n: number }>(`SELECT COUNT(DISTINCT m.did) AS n FROM memberships m WHERE m.community = ? AND m.active = 1 ${approvalWhere(approval)}`, community))
    return (rows?.n ?? 0) + unique.length - held.length
  }

  setMemberApproval(community: string, did: string, approval: 'approved' | 'refused' | undefined): void {
    this.cache.delete(`${APPROVED}${community} ${did}`)
    this.wrote(approval === undefined
      ? this.db.run('DELETE FROM member_approvals WHERE community = ? AND did = ?', community, did)
      : this.db.run(
        'INSERT INTO member_approvals (community, did, approved) VALUES (?, ?, ?) ON CONFLICT (community, did) DO UPDATE SET approved = excluded.approved WHERE approved != excluded.approved',
        community, did, approval === 'approved' ? 1 : 0,
      ))
  }

  memberApproval(community: string, did: string): 'approved' | 'refused' | undefined {
    // Asked for every post in a community under approval; one key per member, so a decision
    // forgets one entry (a config change can re-decide thousands in one transaction).
    const approved = this.cache.get(`${APPROVED}${community} ${did}`, () =>
      first(this.db.all<{ approved: number }>('SELECT approved FROM member_approvals WHERE community = ? AND did = ?', community, did))?.approved)
    return approved === undefined ? undefined : approved === 1 ? 'approved' : 'refused'
  }

  membershipsOf(did: string): string[] {
    return this.db.all<{ uri: string }>('SELECT uri FROM memberships WHERE did = ?', did).map((r) => r.uri)
  }

  getAction(uri: string): StoredAction | undefined {
    const row = first(this.db.all<ActionRow>('SELECT * FROM actions WHERE uri = ?', uri))
    return row && toAction(row)
  }

  putAction(a: StoredAction): void {
    this.cache.clear()
    this.wrote(this.db.run(
      'INSERT OR REPLACE INTO actions (uri, actor, community, action, target, reason, created_at, created_us, seen_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      a.uri, a.actor, a.community, a.action, a.target, a.reason ?? null, a.createdAt, a.effectiveUs, a.seenUs,
    ))
  }

  deleteAction(uri: string): void {
    this.cache.clear()
    this.wrote(this.db.run('DELETE FROM actions WHERE uri = ?', uri))
  }

  actionsFor(community: string, targets: readonly string[], actors: readonly string[]): StoredAction[] {
    // Most communities have few actions or none: then no lookup per post.
    const any = this.cache.get(`actions ${community}`, () => this.db.all('SELECT 1 FROM actions WHERE community = ? LIMIT 1', community).length > 0)
    if (!any || targets.length === 0 || actors.length === 0) return []
    return this.db.all<ActionRow>(
      `SELECT * FROM actions WHERE community = ? AND target IN (${list(targets)}) AND actor IN (${list(actors)})`, community, ...targets, ...actors,
    ).map(toAction)
  }

  actionTargetsBy(community: string, actors: readonly string[]): string[] {
    if (actors.length === 0) return []
    return this.db.all<{ target: string }>(
      `SELECT DISTINCT target FROM actions INDEXED BY actions_by_community_actor WHERE community = ? AND actor IN (${list(actors)})`, community, ...actors,
    ).map((r) => r.target)
  }

  actionsOf(did: string): string[] {
    return this.db.all<{ uri: string }>('SELECT uri FROM actions WHERE actor = ?', did).map((r) => r.uri)
  }

  actionsPage(community: string, q: PageQuery<{ effectiveUs: number; uri: string }>): StoredAction[] {
    const after = q.after
    return this.db.all<ActionRow>(
      `SELECT * FROM actions INDEXED BY actions_by_time WHERE community = ?
        ${after ? 'AND (created_us, uri) < (?, ?)' : ''} ORDER BY created_us DESC, uri DESC LIMIT ?`,
      community, ...(after ? [after.effectiveUs, after.uri] : []), q.limit,
    ).map(toAction)
  }

  purgeOrphans(seenBeforeUs: number, limit: number): number {
    let purged = 0
    for (const table of ['memberships', 'actions']) {
      const rows = this.db.all(
        `DELETE FROM ${table} WHERE uri IN (SELECT uri FROM ${table} t WHERE seen_us < ?
          AND NOT EXISTS (SELECT 1 FROM configs c WHERE c.uri = t.community) LIMIT ?) RETURNING 1`,
        seenBeforeUs, limit - purged,
      ).length
      purged += rows
      if (purged >= limit) break
    }
    if (purged > 0) {
      this.cache.clear()
      this.wrote(purged)
    }
    return purged
  }

  setAuthorBlocked(community: string, author: string, blocked: boolean): void {
    this.wrote(blocked
      ? this.db.run('INSERT OR IGNORE INTO blocked_authors (community, did) VALUES (?, ?)', community, author)
      : this.db.run('DELETE FROM blocked_authors WHERE community = ? AND did = ?', community, author))
    this.setAuthorFlag(author, BLOCKED_IN_COMMUNITY, blocked, community)
  }

  blockedCount(community: string): number {
    return first(this.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM blocked_authors WHERE community = ?', community))?.n ?? 0
  }

  setAccountStatus(did: string, status: string | undefined, seenUs: number): void {
    this.anyInactive = undefined
    this.wrote(status === undefined
      ? this.db.run('DELETE FROM accounts WHERE did = ?', did)
      : this.db.run(
        'INSERT INTO accounts (did, status, seen_us) VALUES (?, ?, ?) ON CONFLICT (did) DO UPDATE SET status = excluded.status WHERE status != excluded.status',
        did, status, seenUs,
      ))
    this.setAuthorFlag(did, ACCOUNT_INACTIVE, status !== undefined)
  }

  accountStatus(did: string): string | undefined {
    return first(this.db.all<{ status: string }>('SELECT status FROM accounts WHERE did = ?', did))?.status
  }

  purgeAccounts(seenBeforeUs: number, limit: number): number {
    // An account with no post left has nothing its status could hide.
    const purged = this.db.all(
      `DELETE FROM accounts WHERE did IN (SELECT did FROM accounts a WHERE seen_us < ?
        AND NOT EXISTS (SELECT 1 FROM posts WHERE post_key >= a.did || '/' AND post_key < a.did || '0') LIMIT ?) RETURNING 1`,
      seenBeforeUs, limit,
    ).length
    if (purged > 0) this.anyInactive = undefined
    return purged
  }
}

/** `read`, asked at most once per `everyMs` (every time when 0); in between, its last answer. */
function throttled(read: () => number, everyMs: number): () => number {
  if (everyMs <= 0) return read
  let at = -Infinity
  let value = 0
  return () => {
    const now = performance.now()
    if (now - at >= everyMs) {
      value = read()
      at = now
    }
    return value
  }
}
