import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { classify, loadDump, loadDumpFile, MAX_DUMP_BYTES, splitStatements } from './load-dump.js'

const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/d1/${name}`, import.meta.url), 'utf8')
const alice = 'did:plc:aliceaaaaaaaaaaaaaaaaaaa'

describe('splitStatements', () => {
  it.each([
    ["INSERT INTO t VALUES('a;b');INSERT INTO t VALUES(2)", ["INSERT INTO t VALUES('a;b')", 'INSERT INTO t VALUES(2)']],
    ["INSERT INTO t VALUES('it''s; fine')", ["INSERT INTO t VALUES('it''s; fine')"]],
    ['CREATE TABLE "a;b" (x);', ['CREATE TABLE "a;b" (x)']],
    ['-- a comment; with a semicolon\nCREATE TABLE t (x) ;', ['CREATE TABLE t (x)']],
    ['/* ; */ INSERT INTO [we;ird] VALUES(`;`);', ['INSERT INTO [we;ird] VALUES(`;`)']],
    ["INSERT INTO t VALUES(replace('a\\nb;c','\\n',char(10)));", ["INSERT INTO t VALUES(replace('a\\nb;c','\\n',char(10)))"]],
    [';;  ;', []],
  ])('%j', (text, expected) => {
    const r = splitStatements(text)
    expect(r.ok && r.value.map((s) => s.sql)).toEqual(expected)
  })

  it('numbers lines for messages, across multi-line strings', () => {
    const r = splitStatements("CREATE TABLE t (\n x\n);\nINSERT INTO t VALUES('a\nb');\n\nINSERT INTO t VALUES(1);")
    expect(r.ok && r.value.map((s) => s.line)).toEqual([1, 4, 7])
  })

  it.each([["INSERT INTO t VALUES('open"], ['CREATE TABLE "t (x)'], ['/* never closed']])('refuses unterminated %j', (text) => {
    const r = splitStatements(text)
    expect(r.ok).toBe(false)
    expect(!r.ok && r.error).toMatch(/^malformed SQL: an unterminated/)
  })
})

describe('classify', () => {
  it.each([
    ['PRAGMA defer_foreign_keys=TRUE', 'skip'],
    ['CREATE TABLE IF NOT EXISTS "theme_feeds" (id TEXT)', 'run'],
    ['CREATE UNIQUE INDEX idx ON t(x)', 'run'],
    ['INSERT INTO "communities" ("id") VALUES(1)', 'run'],
    ['INSERT INTO communities VALUES(1)', 'run'],
    ['DELETE FROM sqlite_sequence', 'skip'],
    ['INSERT INTO "sqlite_sequence" VALUES(\'post_index\',3)', 'skip'],
    ['BEGIN TRANSACTION', 'skip'],
    ['COMMIT', 'skip'],
  ])('%s → %s', (sql, kind) => {
    expect(classify({ sql, line: 1 })).toEqual({ ok: true, value: kind })
  })

  it.each([
    "ATTACH DATABASE '/tmp/x.db' AS x",
    "VACUUM INTO '/tmp/x.db'",
    'DELETE FROM communities',
    'DROP TABLE communities',
    'UPDATE communities SET name = 1',
    'CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1',
    'CREATE VIEW v AS SELECT 1',
    'CREATE TABLE x AS SELECT * FROM communities',
    'PRAGMA writable_schema = ON',
    'SELECT load_extension(\'x\')',
  ])('refuses %s', (sql) => {
    const r = classify({ sql, line: 7 })
    expect(r.ok).toBe(false)
    expect(!r.ok && r.error).toMatch(/^refusing statement on line 7 \(/)
  })
})

describe('loadDump', () => {
  it('reads the canonical shape (schema.sql + 003, INSERTs with column lists) by column name', () => {
    const r = loadDump(fixture('canonical.sql'))
    if (!r.ok) throw new Error(r.error)
    const d = r.value
    expect(d.notes).toEqual([])
    expect(d.communities.map((c) => c.name)).toEqual(['Pixel Art', 'Design Community', 'Old Club', 'Closed Corner'])
    const pixel = d.communities[0]!
    // The char(10) form and the doubled quote, as the exporter wrote them.
    expect(pixel.description).toBe("Sub-community of Design.\nSecond line; it's multi-line.")
    expect(pixel.feedMix).toEqual({ own: 1 / 3, parent: 1 / 3, global: 1 / 3 })
    expect(d.communities[1]).toMatchObject({ description: 'Designers sharing work & "feedback"; critique welcome', parentId: null, feedMix: { own: 0.7, parent: 0.2, global: 0.1 }, createdAt: 1759571200, archivedAt: null })
    expect(d.communities[3]!.archivedAt).toBe(1759560000)
    expect(d.memberships).toContainEqual({ communityId: '0b6f8c1e-3f7a-4c2e-9d1b-2a5e7f9c4d10', did: alice, role: 'owner', joinedAt: 1759571200 })
    expect(d.feeds.map((f) => f.hashtag)).toEqual(['#atr_a1b2c3d4', '#atr_5e6f7a8b', '#atr_0f9e8d7c', '#atr_c0ffee00'])
    expect(d.posts.filter((p) => p.status === 'hidden')).toHaveLength(3)
    expect(d.blocks).toHaveLength(4)
    expect(d.logs[4]).toMatchObject({ id: '5', action: 'hide_post', reason: 'Off topic\nplease stay on topic', communityId: null })
  })

  it('reads the dev-seed shape (complete-schema.sql: no last_activity_at, text_content, text ids, target_type)', () => {
    const r = loadDump(fixture('dev-seed.sql'))
    if (!r.ok) throw new Error(r.error)
    const d = r.value
    expect(d.memberships[0]).toEqual({ communityId: 'comm-anime-lovers', did: alice, role: 'owner', joinedAt: 1704067200 })
    // Read by name: text_content sits between author_did and created_at, the status is still found.
    expect(d.posts.find((p) => p.uri.endsWith('spam001'))).toMatchObject({ feedId: 'feed-anime-general', status: 'hidden' })
    expect(d.logs[0]).toMatchObject({ id: 'mod-001', action: 'hide_post', feedId: 'feed-anime-general', reason: 'Spam content promoting external sales' })
    expect(d.communities.find((c) => c.id === 'comm-broken-mix')!.feedMix).toEqual({ own: 0.5, parent: 0.3, global: 0.1 })
  })

  it('reads schema.sql alone (oldest format, unquoted names), noting what migration 003 would have added', () => {
    const r = loadDump(fixture('schema-only.sql'))
    if (!r.ok) throw new Error(r.error)
    expect(r.value.communities.map((c) => c.name)).toEqual(['Birds'])
    expect(r.value.feeds[0]!.hashtag).toBeNull()
    expect(r.value.posts).toEqual([])
    expect(r.value.notes).toEqual([
      'table post_index has no column moderation_status (a database without migration 003): nothing of it to carry over',
      'no table feed_blocklist (a database without migration 003): nothing of it to carry over',
      'no table moderation_logs (a database without migration 003): nothing of it to carry over',
      'table theme_feeds has no hashtag column (a database without migration 003): no old hashtags to list',
    ])
  })

  it.each([
    ['', 'not a D1 export: it creates no table'],
    ['PRAGMA defer_foreign_keys=TRUE;\nINSERT INTO communities VALUES(1);', 'not a D1 export: it creates no table'],
    ['CREATE TABLE users (id TEXT);', 'not a D1 export of the Atrarium schema: it has no table communities'],
    [fixture('canonical.sql').replace(/CREATE TABLE memberships[\s\S]*?\);\n/, '').replace(/INSERT INTO "memberships".*\n/g, '').replace(/CREATE INDEX idx_memberships.*\n/g, ''), 'not a D1 export of the Atrarium schema: it has no table memberships'],
    ['CREATE TABLE communities (id TEXT, name TEXT);CREATE TABLE memberships (community_id, user_did, role);CREATE TABLE theme_feeds (id, community_id, name);', 'not a D1 export of the Atrarium schema: table communities has no column stage, parent_id, feed_mix_own, feed_mix_parent, feed_mix_global'],
    ["CREATE TABLE t (x);\nINSERT INTO t VALUES('a', 'b');", "malformed SQL on line 2 (INSERT INTO t VALUES('a', 'b')): table t has 1 columns but 2 values were supplied"],
    ['CREATE TABLE t (x);\nINSERT INTO nowhere VALUES(1);', 'malformed SQL on line 2 (INSERT INTO nowhere VALUES(1)): no such table: nowhere'],
    ['CREATE TABLE t (x);\nINSERT INTO t VALUES(1', 'malformed SQL on line 2 (INSERT INTO t VALUES(1): incomplete input'],
    ["CREATE TABLE t (x);\nATTACH DATABASE 'x' AS y;", "refusing statement on line 2 (ATTACH DATABASE 'x' AS y)"],
  ])('refuses bad input %#', (text, message) => {
    const r = loadDump(text)
    expect(r.ok).toBe(false)
    expect(!r.ok && r.error).toContain(message)
  })

  it('refuses a statement that would run before any runs: nothing of a refused export is executed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'd1-'))
    try {
      const target = join(dir, 'attached.db')
      const r = loadDump(`CREATE TABLE communities (id);\nATTACH DATABASE '${target}' AS x;\nCREATE TABLE x.t (y);`)
      expect(r.ok).toBe(false)
      expect(() => readFileSync(target)).toThrow()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('loadDumpFile', () => {
  it('refuses a file over the bound before reading it, and names the file in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'd1-'))
    try {
      const big = join(dir, 'big.sql')
      writeFileSync(big, '')
      truncateSync(big, MAX_DUMP_BYTES + 1) // sparse: no disk used
      const r = loadDumpFile(big)
      expect(!r.ok && r.error).toBe(`${big} is 257 MiB; an export larger than 256 MiB is refused`)
      const missing = loadDumpFile(join(dir, 'nope.sql'))
      expect(!missing.ok && missing.error).toMatch(/^cannot read .*nope\.sql: ENOENT/)
      const bad = join(dir, 'bad.sql')
      writeFileSync(bad, 'hello')
      expect(loadDumpFile(bad)).toEqual({ ok: false, error: `${bad}: not a D1 export: it creates no table (was it exported with --no-schema? export with the schema)` })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
