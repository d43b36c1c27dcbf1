/**
 * Reads a `wrangler d1 export` of the earlier, D1-based Atrarium into plain rows.
 *
 * The dump is executed in an in-memory SQLite database rather than parsed by hand: its strings may
 * hold `;`, quotes and newlines (as `replace('…\n…','\n',char(10))`), table names may or may not be
 * quoted, and INSERTs come with or without column lists (three exporter generations). SQLite reads
 * all of that exactly as D1 wrote it. Only the statement kinds an export contains are run; anything
 * else (ATTACH, VACUUM INTO, triggers, …) is refused before a single statement runs.
 *
 * Rows are read by column NAME, never by position: the canonical schema (schema.sql + migration
 * 003), the dev-seed schema (seeds/complete-schema.sql) and schema.sql alone differ in columns and
 * column order (see test/fixtures/d1/README.md).
 */
import { readFileSync, statSync } from 'node:fs'
import Database from 'better-sqlite3'
import { err, ok, type Result } from '../../core/result.js'

/** A larger export is not a plausible community database, and would not fit comfortably in memory. */
export const MAX_DUMP_BYTES = 256 * 1024 * 1024

export interface OldCommunity {
  id: string
  name: string
  description: string | null
  stage: string
  parentId: string | null
  feedMix: { own: number | null; parent: number | null; global: number | null }
  createdAt: number | null
  archivedAt: number | null
}

export interface OldMembership {
  communityId: string
  did: string
  role: string
  joinedAt: number | null
}

export interface OldFeed {
  id: string
  communityId: string
  name: string
  /** `#atr_xxxxxxxx`; null in a database that never had migration 003. */
  hashtag: string | null
}

export interface OldPost {
  uri: string
  feedId: string
  status: string
}

export interface OldBlock {
  feedId: string
  did: string
  reason: string | null
  by: string
  at: number | null
}

export interface OldLog {
  /** An integer in the canonical schema, a text id such as 'mod-001' in the dev-seed one. */
  id: string
  action: string
  target: string
  feedId: string | null
  communityId: string | null
  by: string
  reason: string | null
  at: number | null
}

export interface D1Dump {
  communities: OldCommunity[]
  memberships: OldMembership[]
  feeds: OldFeed[]
  /** Only posts with a moderation status (migration 003); empty otherwise. */
  posts: OldPost[]
  blocks: OldBlock[]
  logs: OldLog[]
  /** What the dump lacks that a full export of the newest schema has. */
  notes: string[]
}

type StatementKind = 'run' | 'skip'

/**
 * What an export may contain, and whether it is run. Pragmas, transaction control and
 * sqlite_sequence bookkeeping are skipped: the load is one transaction of its own, foreign keys
 * are off and the sequence does not matter to a reader.
 */
const ALLOWED: readonly [RegExp, StatementKind][] = [
  [/^CREATE\s+TABLE\b/i, 'run'],
  [/^CREATE\s+(?:UNIQUE\s+)?INDEX\b/i, 'run'],
  [/^INSERT\s+INTO\s+(?:"sqlite_sequence"|sqlite_sequence)\s/i, 'skip'],
  [/^INSERT\s+(?:OR\s+\w+\s+)?INTO\b/i, 'run'],
  [/^DELETE\s+FROM\s+(?:"sqlite_sequence"|sqlite_sequence)\s*$/i, 'skip'],
  [/^PRAGMA\s+(?:defer_foreign_keys|foreign_keys)\s*(?:=\s*\w+)?\s*$/i, 'skip'],
  [/^(?:BEGIN(?:\s+(?:DEFERRED|IMMEDIATE|EXCLUSIVE))?(?:\s+TRANSACTION)?|COMMIT(?:\s+TRANSACTION)?|END(?:\s+TRANSACTION)?)\s*$/i, 'skip'],
]
/** Within an allowed CREATE TABLE: `AS SELECT` would read rather than declare. */
const CREATE_AS_SELECT = /^CREATE\s+TABLE\b[^(]*\bAS\s+SELECT\b/i

export interface Statement {
  sql: string
  /** 1-based line of the statement's first character, for error messages. */
  line: number
}

/**
 * Splits SQL text into statements at `;` outside quotes and comments. `'…'` (with `''`), `"…"`,
 * `` `…` `` and `[…]` are quoted; `--` and `/* *\/` are comments. Leading comments are removed
 * (so the statement's kind is its first word); the rest is passed to SQLite as written. A trigger
 * body (`BEGIN …; END`) would be split too, which is fine: triggers are refused anyway.
 * Works on indices, not by appending characters: an export may be hundreds of megabytes.
 */
export function splitStatements(text: string): Result<Statement[]> {
  const out: Statement[] = []
  const n = text.length
  // Line numbers, counted forward only.
  let lineIdx = 0
  let line = 1
  const lineOf = (idx: number) => {
    for (; lineIdx < idx; lineIdx++) if (text.charCodeAt(lineIdx) === 10) line++
    return line
  }
  let start = 0
  const push = (end: number) => {
    const stripped = stripLeadingComments(text, start, end)
    if (stripped < end) {
      const sql = text.slice(stripped, end).trim()
      if (sql) out.push({ sql, line: lineOf(stripped) })
    }
  }
  let i = 0
  while (i < n) {
    const c = text[i]!
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c
      let j = i + 1
      for (;;) {
        const k = text.indexOf(close, j)
        if (k < 0) return err(`malformed SQL: an unterminated ${c === '[' ? '[…]' : `${c}…${c}`} starting on line ${lineOf(i)}`)
        // A doubled quote inside a quoted string or name is the quote itself.
        if (close !== ']' && text[k + 1] === close) {
          j = k + 2
          continue
        }
        j = k + 1
        break
      }
      i = j
    } else if (c === '-' && text[i + 1] === '-') {
      const k = text.indexOf('\n', i)
      i = k < 0 ? n : k
    } else if (c === '/' && text[i + 1] === '*') {
      const k = text.indexOf('*/', i + 2)
      if (k < 0) return err(`malformed SQL: an unterminated /* comment on line ${lineOf(i)}`)
      i = k + 2
    } else if (c === ';') {
      push(i)
      start = ++i
    } else i++
  }
  push(n)
  return ok(out)
}

/** The index of the first character of `text[from, to)` that is neither blank nor in a comment. */
function stripLeadingComments(text: string, from: number, to: number): number {
  let i = from
  while (i < to) {
    if (/\s/.test(text[i]!)) i++
    else if (text.startsWith('--', i)) {
      const k = text.indexOf('\n', i)
      i = k < 0 || k > to ? to : k + 1
    } else if (text.startsWith('/*', i)) {
      const k = text.indexOf('*/', i + 2)
      i = k < 0 || k > to ? to : k + 2
    } else break
  }
  return i
}

const preview = (sql: string) => {
  const flat = sql.replace(/\s+/g, ' ')
  return flat.length > 60 ? `${flat.slice(0, 60)}…` : flat
}

/** The kind of an exported statement, or why it is refused. */
export function classify(stmt: Statement): Result<StatementKind> {
  if (CREATE_AS_SELECT.test(stmt.sql)) return err(refusal(stmt))
  for (const [re, kind] of ALLOWED) if (re.test(stmt.sql)) return ok(kind)
  return err(refusal(stmt))
}

const refusal = (stmt: Statement) =>
  `refusing statement on line ${stmt.line} (${preview(stmt.sql)}): a D1 export holds only CREATE TABLE, CREATE INDEX, INSERT, ` +
  'PRAGMA defer_foreign_keys, DELETE FROM sqlite_sequence and BEGIN/COMMIT'

/** The tables every shape of the old schema has, and the columns this tool reads from them. */
const REQUIRED: Record<string, readonly string[]> = {
  communities: ['id', 'name', 'stage', 'parent_id', 'feed_mix_own', 'feed_mix_parent', 'feed_mix_global'],
  memberships: ['community_id', 'user_did', 'role'],
  theme_feeds: ['id', 'community_id', 'name'],
}
/** Tables (or columns) that came with migration 003: without them there is no moderation to carry. */
const OPTIONAL: Record<string, readonly string[]> = {
  post_index: ['uri', 'feed_id', 'moderation_status'],
  feed_blocklist: ['feed_id', 'blocked_user_did', 'blocked_by_did'],
  moderation_logs: ['id', 'action', 'target_uri', 'feed_id', 'moderator_did'],
}

type Row = Record<string, unknown>

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v))
const textOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))
const num = (v: unknown): number | null => {
  if (typeof v === 'number' && Number.isFinite(v)) return v
  if (typeof v === 'bigint') return Number(v)
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v)
  return null
}

/** Loads an export held in memory; see `loadDumpFile` for the size check on a file. */
export function loadDump(sqlText: string): Result<D1Dump> {
  if (Buffer.byteLength(sqlText, 'utf8') > MAX_DUMP_BYTES) return err(`the export is larger than ${MAX_DUMP_BYTES / 1024 / 1024} MiB`)
  const split = splitStatements(sqlText)
  if (!split.ok) return split
  const statements = split.value
  if (!statements.some((s) => /^CREATE\s+TABLE\b/i.test(s.sql))) {
    return err('not a D1 export: it creates no table (was it exported with --no-schema? export with the schema)')
  }
  const kinds: StatementKind[] = []
  // Every statement is checked before any runs.
  for (const s of statements) {
    const kind = classify(s)
    if (!kind.ok) return kind
    kinds.push(kind.value)
  }

  const db = new Database(':memory:')
  try {
    // Foreign keys off: the export's table order puts a child community before its parent at
    // times. CHECKs off: a row the old code could never have written is reported, not fatal.
    db.pragma('foreign_keys = OFF')
    db.pragma('ignore_check_constraints = ON')
    const run = db.transaction(() => {
      statements.forEach((s, idx) => {
        if (kinds[idx] !== 'run') return
        try {
          // prepare() takes exactly one statement: whatever the splitter missed cannot ride along.
          db.prepare(s.sql).run()
        } catch (e) {
          throw new Error(`malformed SQL on line ${s.line} (${preview(s.sql)}): ${e instanceof Error ? e.message : String(e)}`)
        }
      })
    })
    try {
      run()
    } catch (e) {
      return err(e instanceof Error ? e.message : String(e))
    }
    return readTables(db)
  } finally {
    db.close()
  }
}

function columnsOf(db: Database.Database, table: string): Set<string> {
  const cols = db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]
  return new Set(cols.map((c) => c.name.toLowerCase()))
}

function readTables(db: Database.Database): Result<D1Dump> {
  const notes: string[] = []
  const cols: Record<string, Set<string>> = {}
  for (const [table, needed] of Object.entries(REQUIRED)) {
    cols[table] = columnsOf(db, table)
    if (cols[table]!.size === 0) return err(`not a D1 export of the Atrarium schema: it has no table ${table}`)
    const missing = needed.filter((c) => !cols[table]!.has(c))
    if (missing.length > 0) return err(`not a D1 export of the Atrarium schema: table ${table} has no column ${missing.join(', ')}`)
  }
  const present: Record<string, boolean> = {}
  for (const [table, needed] of Object.entries(OPTIONAL)) {
    cols[table] = columnsOf(db, table)
    const missing = needed.filter((c) => !cols[table]!.has(c))
    present[table] = missing.length === 0
    if (cols[table]!.size === 0) notes.push(`no table ${table} (a database without migration 003): nothing of it to carry over`)
    else if (missing.length > 0) notes.push(`table ${table} has no column ${missing.join(', ')} (a database without migration 003): nothing of it to carry over`)
  }
  const has = (table: string, col: string) => cols[table]!.has(col)
  const all = (table: string): Row[] => db.prepare(`SELECT * FROM "${table}"`).all() as Row[]
  // Column names as SQLite reports them keep their declared case; the old schema is lower-case.
  const get = (r: Row, col: string): unknown => r[col] ?? r[Object.keys(r).find((k) => k.toLowerCase() === col) ?? col]

  const communities = all('communities').map((r) => ({
    id: text(get(r, 'id')),
    name: text(get(r, 'name')),
    description: has('communities', 'description') ? textOrNull(get(r, 'description')) : null,
    stage: text(get(r, 'stage')),
    parentId: textOrNull(get(r, 'parent_id')),
    feedMix: { own: num(get(r, 'feed_mix_own')), parent: num(get(r, 'feed_mix_parent')), global: num(get(r, 'feed_mix_global')) },
    createdAt: has('communities', 'created_at') ? num(get(r, 'created_at')) : null,
    archivedAt: has('communities', 'archived_at') ? num(get(r, 'archived_at')) : null,
  }))
  const memberships = all('memberships').map((r) => ({
    communityId: text(get(r, 'community_id')),
    did: text(get(r, 'user_did')),
    role: text(get(r, 'role')),
    joinedAt: has('memberships', 'joined_at') ? num(get(r, 'joined_at')) : null,
  }))
  if (!has('theme_feeds', 'hashtag')) notes.push('table theme_feeds has no hashtag column (a database without migration 003): no old hashtags to list')
  const feeds = all('theme_feeds').map((r) => ({
    id: text(get(r, 'id')),
    communityId: text(get(r, 'community_id')),
    name: text(get(r, 'name')),
    hashtag: has('theme_feeds', 'hashtag') ? textOrNull(get(r, 'hashtag')) : null,
  }))
  const posts = present.post_index
    ? all('post_index').map((r) => ({ uri: text(get(r, 'uri')), feedId: text(get(r, 'feed_id')), status: text(get(r, 'moderation_status')) }))
    : []
  const blocks = present.feed_blocklist
    ? all('feed_blocklist').map((r) => ({
        feedId: text(get(r, 'feed_id')),
        did: text(get(r, 'blocked_user_did')),
        reason: has('feed_blocklist', 'reason') ? textOrNull(get(r, 'reason')) : null,
        by: text(get(r, 'blocked_by_did')),
        at: has('feed_blocklist', 'blocked_at') ? num(get(r, 'blocked_at')) : null,
      }))
    : []
  const logs = present.moderation_logs
    ? all('moderation_logs').map((r) => ({
        id: text(get(r, 'id')),
        action: text(get(r, 'action')),
        target: text(get(r, 'target_uri')),
        feedId: textOrNull(get(r, 'feed_id')),
        communityId: has('moderation_logs', 'community_id') ? textOrNull(get(r, 'community_id')) : null,
        by: text(get(r, 'moderator_did')),
        reason: has('moderation_logs', 'reason') ? textOrNull(get(r, 'reason')) : null,
        at: has('moderation_logs', 'performed_at') ? num(get(r, 'performed_at')) : null,
      }))
    : []
  return ok({ communities, memberships, feeds, posts, blocks, logs, notes })
}

/** Loads an export file, refusing one over MAX_DUMP_BYTES before reading it. */
export function loadDumpFile(path: string): Result<D1Dump> {
  let size: number
  try {
    const st = statSync(path)
    if (!st.isFile()) return err(`${path} is not a file`)
    size = st.size
  } catch (e) {
    return err(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`)
  }
  if (size > MAX_DUMP_BYTES) return err(`${path} is ${Math.ceil(size / 1024 / 1024)} MiB; an export larger than ${MAX_DUMP_BYTES / 1024 / 1024} MiB is refused`)
  let sqlText: string
  try {
    sqlText = readFileSync(path, 'utf8')
  } catch (e) {
    return err(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`)
  }
  const loaded = loadDump(sqlText)
  return loaded.ok ? loaded : err(`${path}: ${loaded.error}`)
}
