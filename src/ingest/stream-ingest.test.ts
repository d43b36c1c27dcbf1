import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Indexer } from '../core/indexer.js'
import { silentLogger, type Logger } from '../core/logger.js'
import { US_PER_DAY } from '../core/time.js'
import { SqlStore } from '../store/sql-store.js'
import { SqliteDriver } from '../store/sqlite-driver.js'
import { community, configEvent, membershipEvent, postEvent, postUri, T0, toJetstream } from '../../test/support/events.js'
import { FakeJetstream } from '../../test/support/fake-jetstream.js'
import { Inbox, until } from '../../test/support/async.js'
import { postUri as uriOfKey } from '../store/post-key.js'
import { jetstreamSource } from './jetstream-source.js'
import { DEFAULT_REWIND_US as REWIND_US } from './jetstream-url.js'
import { StreamIngest, type IngestOptions } from './stream-ingest.js'
import type { FrameVerifier } from './stream-source.js'

const samples = readFileSync(new URL('../../test/fixtures/samples.jsonl', import.meta.url), 'utf8').split('\n').filter(Boolean)
const A = community('did:plc:alice', '3jzfcijpj2z2a')
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function setup(opts: Partial<IngestOptions<string>> = {}) {
  const server = await FakeJetstream.start()
  const dir = mkdtempSync(join(tmpdir(), 'atrarium-ingest-'))
  const driver = new SqliteDriver(join(dir, 'index.sqlite'))
  const store = new SqlStore(driver)
  const errors = new Inbox<string>()
  const log: Logger = { debug() {}, info() {}, warn() {}, error: (_o, msg) => errors.push(msg ?? '') }
  const indexer = new Indexer({ store, log, retentionUs: 7 * US_PER_DAY })
  const ingest = new StreamIngest({ source: jetstreamSource({ url: server.url }), store, indexer, log, ...opts })
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => driver.close(), () => server.close(), () => ingest.close())
  ingest.start()
  await server.connected(1)
  return { server, store, driver, ingest, errors }
}

describe('ATRARIUM_START_CURSOR', () => {
  it('replays from the start cursor once; restarts resume from the saved cursor; a new value replays again', async () => {
    const server = await FakeJetstream.start()
    const dir = mkdtempSync(join(tmpdir(), 'atrarium-start-'))
    const driver = new SqliteDriver(join(dir, 'index.sqlite'))
    const store = new SqlStore(driver)
    const indexer = new Indexer({ store, log: silentLogger, retentionUs: 7 * US_PER_DAY })
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => driver.close(), () => server.close())
    const run = async (startCursor: number, connections: number) => {
      const ingest = new StreamIngest({ source: jetstreamSource({ url: server.url }), store, indexer, log: silentLogger, startCursor })
      ingest.start()
      const c = await server.connected(connections)
      return { ingest, cursor: c.cursor }
    }
    const start = T0 - 3_600_000_000
    const first = await run(start, 1)
    expect(first.cursor).toBe(start - REWIND_US)
    const e = configEvent(A)
    server.publish(toJetstream(e))
    await until(() => first.ingest.stats.frames === 1, 'one frame')
    await first.ingest.idle()
    await first.ingest.close()

    const restart = await run(start, 2)
    expect(restart.cursor).toBe(e.timeUs - REWIND_US)
    await restart.ingest.close()

    const replay = await run(start - 1_000_000, 3)
    expect(replay.cursor).toBe(start - 1_000_000 - REWIND_US)
    await replay.ingest.close()
  })
})

describe('StreamIngest from Jetstream', () => {
  it('keeps the saved cursor the largest committed: the rewound replay after a restart does not lower it', async () => {
    const server = await FakeJetstream.start()
    const dir = mkdtempSync(join(tmpdir(), 'atrarium-rewind-'))
    const driver = new SqliteDriver(join(dir, 'index.sqlite'))
    const store = new SqlStore(driver)
    const indexer = new Indexer({ store, log: silentLogger, retentionUs: 7 * US_PER_DAY })
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => driver.close(), () => server.close())
    const events = [configEvent(A), membershipEvent('did:plc:bob', 'm1', A)]
    const first = new StreamIngest({ source: jetstreamSource({ url: server.url }), store, indexer, log: silentLogger })
    first.start()
    await server.connected(1)
    for (const e of events) server.publish(toJetstream(e))
    await until(() => first.stats.frames === 2, 'two frames')
    await first.idle()
    await first.close()
    expect(store.getCursor('jetstream')).toBe(events[1]!.timeUs)
    // Frames after these were committed too, but dropped by stage 1 (they moved only the cursor).
    const saved = events[1]!.timeUs + 1_000_000
    store.setCursor('jetstream', saved)

    // The restart asks from 5 s back: both frames come again, in batches whose cursors are below the saved one.
    const second = new StreamIngest({ source: jetstreamSource({ url: server.url }), store, indexer, log: silentLogger })
    cleanups.push(() => second.close())
    second.start()
    expect((await server.connected(2)).cursor).toBe(saved - REWIND_US)
    await until(() => second.stats.frames === 2, 'the replay')
    await second.idle()
    expect(second.stats.batches).toBeGreaterThan(0)
    expect(store.getCursor('jetstream')).toBe(saved)
  })

  it('never saves a cursor ahead of its batch: a failed commit keeps the old cursor and the batch is retried', async () => {
    const { server, store, driver, ingest, errors } = await setup()
    const first = [configEvent(A), membershipEvent('did:plc:bob', 'm1', A)]
    server.publish(toJetstream(first[0]!))
    server.publish(toJetstream(first[1]!))
    await until(() => ingest.stats.frames === 2, 'two frames')
    await ingest.idle()
    const saved = store.getCursor('jetstream')
    expect(saved).toBe(first[1]!.timeUs)

    // The disk refuses the next commit (the cursor write fails inside the batch transaction).
    let failing = true
    const setCursor = store.setCursor.bind(store)
    store.setCursor = (source, cursor) => {
      if (failing) throw new Error('SQLITE_FULL')
      setCursor(source, cursor)
    }
    const posts = [postEvent('did:plc:bob', 'p1', A.hashtag), postEvent('did:plc:bob', 'p2', A.hashtag)]
    for (const p of posts) server.publish(toJetstream(p))
    await errors.atLeast(1, 'a failed batch')
    expect(store.getCursor('jetstream')).toBe(saved)
    expect(driver.all('SELECT post_key FROM posts')).toEqual([])

    failing = false
    await until(() => ingest.stats.frames === 4, 'four frames')
    await ingest.idle()
    expect(store.getCursor('jetstream')).toBe(posts[1]!.timeUs)
    expect(driver.all<{ k: string }>('SELECT post_key AS k FROM posts ORDER BY post_key').map((r) => uriOfKey(r.k))).toEqual([postUri('did:plc:bob', 'p1'), postUri('did:plc:bob', 'p2')])
  })

  it('drops real frames that name no community without parsing them, yet advances the cursor past them', async () => {
    const { server, store, ingest } = await setup()
    // Account events always pass (SPEC §4); the samples come from captures far apart in time, so
    // one of those in a batch would be the batch's cursor. Everything else must be dropped.
    const dropped = samples.filter((raw) => !raw.includes('"kind":"account"'))
    for (const raw of dropped) server.publish(raw)
    // The samples were taken at different times, so they are not in time order: the cursor is the
    // stream's position (the last frame's time_us), read once, not the highest time_us seen.
    const lastTime = JSON.parse(dropped.at(-1)!).time_us as number
    await until(() => ingest.stats.frames === dropped.length, 'every sample')
    // Closing drains the queue and commits a final cursor mark for dropped frames.
    await ingest.close()
    expect(ingest.stats.frames).toBe(dropped.length)
    expect(ingest.stats.passed).toBe(0)
    expect(store.getCursor('jetstream')).toBe(lastTime)
  })

  it('lets a post delete through when its author has indexed posts, even before the create is committed', async () => {
    const { server, driver, ingest } = await setup()
    const events = [configEvent(A), membershipEvent('did:plc:bob', 'm1', A), postEvent('did:plc:bob', 'p1', A.hashtag)]
    for (const e of events) server.publish(toJetstream(e))
    server.publish({ did: 'did:plc:bob', time_us: events[2]!.timeUs + 1, kind: 'commit', commit: { rev: 'x', operation: 'delete', collection: 'app.bsky.feed.post', rkey: 'p1' } })
    server.publish({ did: 'did:plc:zed', time_us: events[2]!.timeUs + 2, kind: 'commit', commit: { rev: 'x', operation: 'delete', collection: 'app.bsky.feed.post', rkey: 'p1' } })
    await until(() => ingest.stats.frames === 5, 'five frames')
    await ingest.close()
    expect(ingest.stats.passed).toBe(4)
    expect(driver.all('SELECT post_key FROM posts')).toEqual([])
  })

  const postDelete = (did: string, rkey: string, timeUs: number) => ({
    did, time_us: timeUs, kind: 'commit', commit: { rev: 'x', operation: 'delete', collection: 'app.bsky.feed.post', rkey },
  })

  it('forgets, at a prune, an author whose posts are all gone', async () => {
    const { server, store, ingest } = await setup()
    const events = [configEvent(A), membershipEvent('did:plc:bob', 'm1', A), postEvent('did:plc:bob', 'p1', A.hashtag)]
    for (const e of events) server.publish(toJetstream(e))
    server.publish(postDelete('did:plc:bob', 'p9', events[2]!.timeUs + 1))
    await until(() => ingest.stats.frames === 4, 'four frames')
    await ingest.idle()
    expect(ingest.stats.passed).toBe(4)

    // Bob's join backfill keeps him in the set until it is done (issue #13).
    expect(store.hasJoinBackfill('did:plc:bob')).toBe(true)
    store.finishJoinBackfill(A.uri, 'did:plc:bob')
    // What the retention job does: purge, then prune.
    store.purgePosts(Number.MAX_SAFE_INTEGER, 100)
    ingest.pruneAuthors()
    server.publish(postDelete('did:plc:bob', 'p8', events[2]!.timeUs + 2))
    await until(() => ingest.stats.frames === 5, 'five frames')
    expect(ingest.stats.passed).toBe(4)
  })

  it('keeps, across prunes, the author of a post that passed stage 1 but is not committed yet', async () => {
    const { server, store, driver, ingest, errors } = await setup()
    const setup1 = [configEvent(A), membershipEvent('did:plc:bob', 'm1', A)]
    for (const e of setup1) server.publish(toJetstream(e))
    await until(() => ingest.stats.frames === 2, 'two frames')
    await ingest.idle()

    let failing = true
    const setCursor = store.setCursor.bind(store)
    store.setCursor = (source, cursor) => {
      if (failing) throw new Error('SQLITE_BUSY')
      setCursor(source, cursor)
    }
    const post = postEvent('did:plc:bob', 'p1', A.hashtag)
    server.publish(toJetstream(post))
    await errors.atLeast(1, 'the post batch failing')
    ingest.pruneAuthors()
    ingest.pruneAuthors()
    server.publish(postDelete('did:plc:bob', 'p1', post.timeUs + 1))
    await until(() => ingest.stats.frames === 4, 'four frames')
    expect(ingest.stats.passed).toBe(4)

    failing = false
    await ingest.idle()
    expect(driver.all('SELECT post_key FROM posts')).toEqual([])
  })

  it('prunes early once stage 1 has added maxNewAuthors, keeping the authors of the latest span', async () => {
    const { server, ingest } = await setup({ maxNewAuthors: 2 })
    // Posts naming a community nobody configured: they pass stage 1 but are never indexed.
    const nowhere = '#atrarium_ffffffff'
    const first = [configEvent(A), postEvent('did:plc:x1', 'p1', nowhere), postEvent('did:plc:x2', 'p1', nowhere)]
    for (const e of first) server.publish(toJetstream(e))
    await until(() => ingest.stats.frames === 3, 'three frames')
    await ingest.idle()
    // The second pair forces a prune: x1 and x2 are committed and not indexed, so they go.
    const second = [postEvent('did:plc:x3', 'p1', nowhere), postEvent('did:plc:x4', 'p1', nowhere)]
    for (const e of second) server.publish(toJetstream(e))
    server.publish(postDelete('did:plc:x1', 'p1', second[1]!.timeUs + 1))
    server.publish(postDelete('did:plc:x3', 'p1', second[1]!.timeUs + 2))
    await until(() => ingest.stats.frames === 7, 'seven frames')
    expect(ingest.stats.passed).toBe(6)
  })
})

describe('a verifier between stage 1 and stage 2', () => {
  // The pipeline's side of verification, on any source: refused frames are finished but not indexed.
  const refuseForged: FrameVerifier<string> = {
    verifyAll: async (frames) =>
      frames.map((f) => (f.includes('forged') ? { outcome: 'rejected', reason: f.includes('forged two') ? 'key' : 'proof', detail: 'test' } : { outcome: 'verified' })),
  }

  it('indexes what verifies, skips and counts what is refused, and saves the cursor past both', async () => {
    const { server, store, driver, ingest } = await setup({ verifier: refuseForged })
    const events = [
      configEvent(A), membershipEvent('did:plc:bob', 'm1', A),
      postEvent('did:plc:bob', 'p1', `forged one ${A.hashtag}`), postEvent('did:plc:bob', 'p2', `good ${A.hashtag}`),
      postEvent('did:plc:bob', 'p3', `forged two ${A.hashtag}`),
    ]
    for (const e of events) server.publish(toJetstream(e))
    await until(() => ingest.stats.frames === events.length, 'every frame')
    await ingest.idle()
    expect(driver.all<{ k: string }>('SELECT post_key AS k FROM posts').map((r) => uriOfKey(r.k))).toEqual([postUri('did:plc:bob', 'p2')])
    expect(ingest.stats).toMatchObject({ passed: 5, verified: 3, rejected: { signature: 0, proof: 1, key: 1 } })
    expect(store.getCursor('jetstream')).toBe(events.at(-1)!.timeUs)
  })
})
