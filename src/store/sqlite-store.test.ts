import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { MIGRATIONS } from './migrations.js'
import { SqlStore } from './sql-store.js'
import { SqliteDriver } from './sqlite-driver.js'
import { describeStore } from './store-suite.js'

const dir = mkdtempSync(join(tmpdir(), 'atrarium-store-'))
const drivers: SqliteDriver[] = []
let n = 0
// Other connections' commits are looked for on every read here, unless a test says otherwise.
const openFile = (file = join(dir, `db-${n++}.sqlite`), otherWritersEveryMs = 0) => {
  const driver = new SqliteDriver(file)
  drivers.push(driver)
  return { driver, store: new SqlStore(driver, { otherWritersEveryMs }) }
}
afterAll(() => {
  for (const d of drivers) d.close()
  rmSync(dir, { recursive: true, force: true })
})

describeStore('SQLite file', async (body) => body(openFile().store))

describe('SQLite specifics', () => {
  it('runs in WAL mode and keeps data across reopen, migrating once', () => {
    const file = join(dir, 'reopen.sqlite')
    const a = openFile(file)
    expect(a.driver.db.pragma('journal_mode', { simple: true })).toBe('wal')
    a.store.setCursor('j', 42)
    a.driver.close()
    const b = openFile(file)
    expect(b.store.getCursor('j')).toBe(42)
    expect(b.driver.all('SELECT version FROM schema_migrations ORDER BY version')).toEqual(MIGRATIONS.map((m) => ({ version: m.version })))
  })

  /** An index file as an older release left it: migrated up to `version` and no further. */
  const fileAt = (version: number) => {
    const file = join(dir, `v${version}.sqlite`)
    const old = new SqliteDriver(file)
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)')
    for (const m of MIGRATIONS.filter((m) => m.version <= version)) {
      old.exec(m.sql)
      old.run("INSERT INTO schema_migrations VALUES (?, 'then')", m.version)
    }
    return { file, old }
  }

  it('upgrades a version-1 index to version 2 in place, keeping its data', () => {
    const { file, old } = fileAt(1)
    old.run("INSERT INTO cursors VALUES ('j', 7)")
    old.close()
    const { driver, store } = openFile(file)
    expect(store.getCursor('j')).toBe(7)
    expect(driver.all('SELECT COUNT(*) AS n FROM backfill_repos')).toEqual([{ n: 0 }])
  })

  it('sees a config another connection wrote after this one cached the lookup', () => {
    const file = join(dir, 'shared.sqlite')
    const a = openFile(file)
    const b = openFile(file)
    const c = { uri: 'at://did:plc:o/net.atrarium.community.config/x', id: 'abcdef12', owner: 'did:plc:o', config: { name: 'one', hashtag: '#atrarium_abcdef12', stage: 'theme' as const, feedMix: { own: 100, parent: 0, global: 0 }, moderators: [], createdAt: '2026-01-01T00:00:00Z' } }
    expect(a.store.communitiesWithId(c.id)).toEqual([])
    b.store.putConfig(c)
    expect(a.store.communitiesWithId(c.id)[0]?.config.name).toBe('one')
    b.store.putConfig({ ...c, config: { ...c.config, name: 'two' } })
    expect(a.store.communitiesWithId(c.id)[0]?.config.name).toBe('two')
    expect(a.store.actionsFor(c.uri, ['at://p'], [c.owner])).toEqual([])
    const hide = { uri: 'at://did:plc:o/net.atrarium.moderation.action/1', actor: c.owner, community: c.uri, action: 'hide_post' as const, target: 'at://p', createdAt: '2026-01-01T00:00:00Z', effectiveUs: 1, seenUs: 1 }
    b.store.putAction(hide)
    expect(a.store.actionsFor(c.uri, ['at://p'], [c.owner])).toEqual([hide])
    expect(a.store.hasActiveMembership(c.uri, 'did:plc:m')).toBe(false)
    b.store.putMembership({ uri: 'at://did:plc:m/net.atrarium.community.membership/1', did: 'did:plc:m', community: c.uri, role: 'member', joinedAt: 'x', active: true, seenUs: 1 })
    expect(a.store.hasActiveMembership(c.uri, 'did:plc:m')).toBe(true)
    b.driver.close()
  })

  it('reads the rows the Workers global index mirrors: an author\'s posts, given posts, all posts', () => {
    const { store } = openFile()
    const uri = (did: string, n: number) => `at://${did}/app.bsky.feed.post/${n}`
    store.putPost({ community: 'c', uri: uri('did:plc:a', 1), sortUs: 1, hidden: false })
    store.putPost({ community: 'c', uri: uri('did:plc:a', 2), sortUs: 2, hidden: true })
    store.putPost({ community: 'c', uri: uri('did:plc:ab', 3), sortUs: 3, hidden: false })
    store.putPost({ community: 'd', uri: uri('did:plc:a', 4), sortUs: 4, hidden: false })
    store.setAuthorBlocked('c', 'did:plc:ab', true)
    expect(store.authorPostUris('c', 'did:plc:a')).toEqual([uri('did:plc:a', 1), uri('did:plc:a', 2)])
    expect(store.postStates('c', [uri('did:plc:a', 2), uri('did:plc:a', 4), 'not a uri'])).toEqual([
      { uri: uri('did:plc:a', 2), author: 'did:plc:a', sortUs: 2, hidden: true, blocked: false, inactive: false, notMember: false },
    ])
    expect(store.allPostStates('c').map((p) => [p.uri, p.hidden, p.blocked]).sort()).toEqual([
      [uri('did:plc:a', 1), false, false], [uri('did:plc:a', 2), true, false], [uri('did:plc:ab', 3), false, true],
    ])
  })

  /** Two connections to one file, the second having written a config named 'one'. */
  const twoConnections = (name: string, rkey: string, id: string) => {
    const file = join(dir, `${name}.sqlite`)
    const a = openFile(file)
    const b = openFile(file)
    const c = { uri: `at://did:plc:o/net.atrarium.community.config/${rkey}`, id, owner: 'did:plc:o', config: { name: 'one', hashtag: `#atrarium_${id}`, stage: 'theme' as const, feedMix: { own: 100, parent: 0, global: 0 }, moderators: [], createdAt: '2026-01-01T00:00:00Z' } }
    b.store.putConfig(c)
    return { a, b, c }
  }

  it('reads the data version once per transaction, and again for the first lookup after it', () => {
    const { a, b, c } = twoConnections('txn', 't', 'abcdef13')
    const seen = a.store.transaction(() => {
      const before = a.store.communitiesWithId(c.id)[0]?.config.name
      // Another connection commits while this transaction reads from its snapshot.
      b.store.putConfig({ ...c, config: { ...c.config, name: 'two' } })
      return [before, a.store.communitiesWithId(c.id)[0]?.config.name]
    })
    expect(seen).toEqual(['one', 'one'])
    expect(a.store.communitiesWithId(c.id)[0]?.config.name).toBe('two')
    b.driver.close()
  })

  it('reads on one snapshot in read(), and leaves no transaction open after it, even when a read throws', () => {
    const { a, b, c } = twoConnections('read', 'r', 'abcdef14')
    const post = (n: number) => ({ community: c.uri, uri: `at://did:plc:a/app.bsky.feed.post/${n}`, sortUs: n, hidden: false })
    const seen = a.store.read(() => {
      const before = a.store.skeleton({ community: c.uri, minSortUs: 0, limit: 10 }).length
      b.store.putPost(post(1)) // another connection commits meanwhile
      return [before, a.store.skeleton({ community: c.uri, minSortUs: 0, limit: 10 }).length, a.driver.db.inTransaction]
    })
    expect(seen).toEqual([0, 0, true])
    expect(a.driver.db.inTransaction).toBe(false)
    expect(a.store.skeleton({ community: c.uri, minSortUs: 0, limit: 10 })).toHaveLength(1)
    expect(() => a.store.read(() => a.driver.all('SELECT * FROM no_such_table'))).toThrow(/no such table/)
    expect(a.driver.db.inTransaction).toBe(false)
    b.driver.close()
  })

  it('looks for another connection\'s commits at most every otherWritersEveryMs, its own writes at once', () => {
    vi.useFakeTimers({ toFake: ['performance'] })
    try {
      const file = join(dir, 'throttled.sqlite')
      const a = openFile(file, 100)
      const b = openFile(file)
      const v0 = a.store.indexVersion()
      b.store.putPost({ community: 'c', uri: 'at://did:plc:a/app.bsky.feed.post/1', sortUs: 1, hidden: false })
      expect(a.store.indexVersion()).toBe(v0)
      vi.advanceTimersByTime(99)
      expect(a.store.indexVersion()).toBe(v0)
      vi.advanceTimersByTime(1)
      const v1 = a.store.indexVersion()
      expect(v1).not.toBe(v0)
      a.store.putPost({ community: 'c', uri: 'at://did:plc:a/app.bsky.feed.post/2', sortUs: 2, hidden: false })
      expect(a.store.indexVersion()).not.toBe(v1)
      b.driver.close()
    } finally {
      vi.useRealTimers()
    }
  })

  it('moves indexVersion when another connection commits, and not otherwise', () => {
    const file = join(dir, 'versions.sqlite')
    const a = openFile(file)
    const b = openFile(file)
    const v0 = a.store.indexVersion()
    expect(a.store.indexVersion()).toBe(v0)
    b.store.putPost({ community: 'c', uri: 'at://did:plc:a/app.bsky.feed.post/1', sortUs: 1, hidden: false })
    const v1 = a.store.indexVersion()
    expect(v1).not.toBe(v0)
    expect(a.store.indexVersion()).toBe(v1)
    b.driver.close()
  })

  it('upgrades a version-4 posts table through the version-5 layout to community keys, keeping rows and flags', () => {
    const { file, old } = fileAt(4)
    const uri = (did: string, n: number) => `at://${did}/app.bsky.feed.post/${n}`
    const config = 'at://did:plc:o/net.atrarium.community.config/c'
    old.run('INSERT INTO configs (uri, id, owner, record) VALUES (?, ?, ?, ?)', config, 'cccccccc', 'did:plc:o', '{}')
    old.run('INSERT INTO posts (community, uri, author, sort_us, hidden, blocked) VALUES (?, ?, ?, ?, ?, ?)', 'cccccccc', uri('did:plc:a', 1), 'did:plc:a', 10, 0, 0)
    old.run('INSERT INTO posts (community, uri, author, sort_us, hidden, blocked) VALUES (?, ?, ?, ?, ?, ?)', 'cccccccc', uri('did:plc:a', 2), 'did:plc:a', 20, 1, 0)
    old.run('INSERT INTO posts (community, uri, author, sort_us, hidden, blocked) VALUES (?, ?, ?, ?, ?, ?)', 'cccccccc', uri('did:plc:b', 3), 'did:plc:b', 30, 0, 1)
    // A post of a community with no config has nothing to be served by.
    old.run('INSERT INTO posts (community, uri, author, sort_us, hidden, blocked) VALUES (?, ?, ?, ?, ?, ?)', 'dddddddd', uri('did:plc:c', 4), 'did:plc:c', 40, 0, 0)
    old.run("INSERT INTO actions (uri, actor, community, action, target, created_at, created_us) VALUES ('at://m/1', 'did:plc:o', ?, 'hide_post', 'x', '9999-01-01T00:00:00Z', 253370764800000000)", config)
    for (const did of ['did:plc:a', 'did:plc:b']) {
      old.run("INSERT INTO memberships (uri, did, community, role, joined_at, active) VALUES (?, ?, ?, 'member', '2026-01-01T00:00:00Z', 1)", `at://${did}/net.atrarium.community.membership/1`, did, config)
    }
    old.close()
    const { store } = openFile(file)
    expect(store.skeleton({ community: config, minSortUs: 0, limit: 10 })).toEqual([{ uri: uri('did:plc:a', 1), sortUs: 10 }])
    expect(store.moderatedPosts({ community: config, minSortUs: 0, limit: 10 }).map((p) => [p.author, p.hidden, p.blocked])).toEqual([
      ['did:plc:b', false, true], ['did:plc:a', true, false], ['did:plc:a', false, false],
    ])
    expect(store.postCommunities(uri('did:plc:a', 1))).toEqual([config])
    expect(store.indexedAuthors()).toEqual(['did:plc:a', 'did:plc:b'])
    expect(store.blockedCount(config)).toBe(1)
    // A stored far-future time is clamped to the migration's now, so it stays a safe integer.
    const action = store.getAction('at://m/1')!
    expect(action.effectiveUs).toBeLessThanOrEqual(Date.now() * 1000)
    expect(action.seenUs).toBe(action.effectiveUs)
  })

  it('version 7: posts of authors who are no longer members leave the skeleton; owners, moderators and members stay', () => {
    const { file, old } = fileAt(6)
    const config = 'at://did:plc:o/net.atrarium.community.config/c'
    old.run('INSERT INTO configs (uri, id, owner, record) VALUES (?, ?, ?, ?)', config, 'cccccccc', 'did:plc:o', JSON.stringify({ moderators: ['did:plc:mod'] }))
    old.run('INSERT INTO community_keys (key, uri) VALUES (1, ?)', config)
    const member = (did: string, active: number) =>
      old.run("INSERT INTO memberships (uri, did, community, role, joined_at, active, seen_us) VALUES (?, ?, ?, 'member', '2026-01-01T00:00:00Z', ?, 0)", `at://${did}/net.atrarium.community.membership/1`, did, config, active)
    member('did:plc:stays', 1)
    member('did:plc:paused', 0)
    const authors = ['did:plc:o', 'did:plc:mod', 'did:plc:stays', 'did:plc:paused', 'did:plc:gone']
    authors.forEach((did, i) => old.run('INSERT INTO posts (post_key, community, sort_us, hidden, blocked) VALUES (?, 1, ?, 0, 0)', `${did}/p`, 10 + i))
    old.close()
    const { store } = openFile(file)
    expect(store.skeleton({ community: config, minSortUs: 0, limit: 10 }).map((p) => p.uri.split('/')[2])).toEqual(['did:plc:stays', 'did:plc:mod', 'did:plc:o'])
    expect(store.moderatedPosts({ community: config, minSortUs: 0, limit: 10 }).filter((p) => p.notMember).map((p) => p.author)).toEqual(['did:plc:gone', 'did:plc:paused'])
    // Joining again shows them: the bit is the same one the indexer flips.
    store.setAuthorMember(config, 'did:plc:gone', true)
    expect(store.skeleton({ community: config, minSortUs: 0, limit: 10 })).toHaveLength(4)
  })

  it('hides, blocks, checks membership and deletes through indexes, never a post scan', () => {
    const { driver, store } = openFile()
    const seen: string[] = []
    const run = driver.run.bind(driver)
    const all = driver.all.bind(driver)
    const rows = driver.rows.bind(driver)
    driver.run = (sql, ...params) => (seen.push(sql), run(sql, ...params))
    driver.all = (sql, ...params) => (seen.push(sql), all(sql, ...params))
    driver.rows = (sql, ...params) => (seen.push(sql), rows(sql, ...params))
    const postAt = 'at://did:plc:a/app.bsky.feed.post/3l2a'
    store.putPost({ community: 'c', uri: postAt, sortUs: 1, hidden: false })
    const planOf = (call: () => unknown) => {
      seen.length = 0
      call()
      return seen.map((sql) => all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, ...sql.split('?').slice(1).map(() => 'x')).map((r) => r.detail).join('\n')).join('\n')
    }
    expect(planOf(() => store.setPostHidden('c', postAt, true))).toMatch(/SEARCH posts USING PRIMARY KEY \(post_key=\? AND community=\?\)/)
    expect(planOf(() => store.setAuthorBlocked('c', 'did:plc:a', true))).toMatch(/SEARCH posts USING PRIMARY KEY \(post_key>\? AND post_key<\?\)/)
    expect(planOf(() => store.setAuthorMember('c', 'did:plc:a', false))).toMatch(/SEARCH posts USING PRIMARY KEY \(post_key>\? AND post_key<\?\)/)
    expect(planOf(() => store.capNonMemberPosts('c', 'did:plc:a', 100))).toMatch(/SEARCH posts USING PRIMARY KEY \(post_key>\? AND post_key<\?\)/)
    expect(planOf(() => store.hasActiveMembership('c', 'did:plc:a'))).toMatch(/SEARCH memberships USING COVERING INDEX memberships_active/)
    store.putAction({ uri: 'at://did:plc:m/net.atrarium.moderation.action/1', actor: 'did:plc:m', community: 'c', action: 'hide_post', target: 'u', createdAt: '2026-01-01T00:00:00Z', effectiveUs: 1, seenUs: 1 })
    expect(planOf(() => store.actionsFor('c', ['t'], ['did:plc:m', 'did:plc:o']))).toMatch(/SEARCH actions USING INDEX actions_by_target \(community=\? AND target=\? AND actor=\?\)/)
    expect(planOf(() => store.actionTargetsBy('c', ['did:plc:m']))).toMatch(/SEARCH actions USING (COVERING )?INDEX actions_by_community_actor/)
    expect(planOf(() => store.setAccountStatus('did:plc:a', 'takendown', 1))).toMatch(/SEARCH posts USING PRIMARY KEY \(post_key>\? AND post_key<\?\)/)
    expect(planOf(() => store.deleteAuthorPosts('did:plc:zz'))).toMatch(/SEARCH posts USING PRIMARY KEY \(post_key>\? AND post_key<\?\)/)
    expect(planOf(() => store.deletePost(postAt))).toMatch(/SEARCH posts USING PRIMARY KEY \(post_key=\?\)/)
    expect(planOf(() => store.skeleton({ community: 'c', minSortUs: 0, limit: 5, after: { sortUs: 9, uri: postAt } }))).toMatch(/SEARCH posts USING (COVERING )?INDEX posts_feed/)
    expect(planOf(() => store.purgePosts(5, 10))).toMatch(/SEARCH posts USING COVERING INDEX posts_global \(sort_us<\?\)/)
    expect(planOf(() => store.globalSkeleton({ minSortUs: 0, limit: 5, exclude: ['c'] }))).toMatch(/SEARCH posts USING COVERING INDEX posts_global \(sort_us>\?\)/)
    expect(planOf(() => store.indexedAuthors())).toMatch(/SEARCH posts USING PRIMARY KEY \(post_key>\?\)/)
    for (const plan of [planOf(() => store.setPostHidden('c', postAt, false)), planOf(() => store.setAuthorBlocked('c', 'a', false))]) {
      expect(plan).not.toMatch(/SCAN posts/)
    }
  })
})
