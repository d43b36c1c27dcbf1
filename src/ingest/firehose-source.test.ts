import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Indexer } from '../core/indexer.js'
import type { Logger } from '../core/logger.js'
import { US_PER_DAY } from '../core/time.js'
import { SqlStore } from '../store/sql-store.js'
import { SqliteDriver } from '../store/sqlite-driver.js'
import { Inbox, until } from '../../test/support/async.js'
import { FakeRelay } from '../../test/support/fake-relay.js'
import { encodeFrame, errorFrame, infoFrame, relayFrames } from '../../test/support/firehose-frames.js'
import { peekSeq } from '../core/firehose-prefilter.js'
import { firehoseCursorKey, firehoseSource } from './firehose-source.js'
import { StreamIngest } from './stream-ingest.js'

const frames = relayFrames()
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('firehoseSource', () => {
  const sub = '/xrpc/com.atproto.sync.subscribeRepos'
  it.each([
    { url: 'wss://bsky.network', cursor: undefined, want: `wss://bsky.network${sub}` },
    { url: 'wss://bsky.network/', cursor: 42, want: `wss://bsky.network${sub}?cursor=42` },
    { url: 'ws://localhost:2583', cursor: 0, want: `ws://localhost:2583${sub}` },
    { url: 'ws://localhost:2583', cursor: 31527015471, want: `ws://localhost:2583${sub}?cursor=31527015471` },
  ])('subscribes to $url at cursor $cursor with no rewind', ({ url, cursor, want }) => {
    expect(firehoseSource({ url }).url(cursor)).toBe(want)
  })

  it('keys the saved cursor by host, so one relay never gets another one’s seq', () => {
    const keys = ['wss://bsky.network', 'wss://relay.example', 'ws://localhost:2583', 'ws://localhost:2584'].map(firehoseCursorKey)
    expect(new Set(keys).size).toBe(4)
    expect(firehoseCursorKey('wss://bsky.network/')).toBe(firehoseCursorKey('wss://bsky.network'))
    expect(keys).not.toContain('jetstream')
  })

  const hasNobody = () => false
  it.each([
    { name: 'identity', frame: frames[148]!, want: { pass: false } },
    // An account status may hide or remove the account's records (SPEC §4).
    { name: 'account', frame: frames[149]!, want: { pass: true } },
    { name: 'sync', frame: encodeFrame({ op: 1, t: '#sync' }, { seq: 3 }), want: { pass: false } },
    { name: 'info OutdatedCursor', frame: infoFrame('OutdatedCursor', 'too old'), want: { control: { action: 'continue', reason: 'OutdatedCursor', message: 'too old' } } },
    { name: 'error FutureCursor', frame: errorFrame('FutureCursor'), want: { control: { action: 'live', reason: 'FutureCursor' } } },
    { name: 'error ConsumerTooSlow', frame: errorFrame('ConsumerTooSlow', 'slow'), want: { control: { action: 'reconnect', reason: 'ConsumerTooSlow', message: 'slow' } } },
    // A new member's post deletes must pass while their join backfill runs (issue #13).
    {
      name: 'membership commit: its repo joins the author set',
      frame: encodeFrame({ op: 1, t: '#commit' }, { seq: 5, repo: 'did:plc:m', ops: [{ action: 'create', path: 'net.atrarium.community.membership/3k' }] }),
      want: { pass: true, postAuthor: 'did:plc:m' },
    },
    { name: 'garbage goes to stage 2 to be counted', frame: Buffer.from([0xff, 0x00]), want: { pass: true } },
  ])('stage 1 on a $name frame', ({ frame, want }) => {
    expect(firehoseSource({ url: 'ws://localhost:1' }).stage1(frame, hasNobody)).toEqual(want)
  })

  // With commits verified, an #identity frame goes to the verifier, in order, to drop the repo's kept key.
  it.each([
    { name: 'identity', frame: frames[148]!, want: { pass: true } },
    { name: 'account', frame: frames[149]!, want: { pass: true } },
    { name: 'sync', frame: encodeFrame({ op: 1, t: '#sync' }, { seq: 3 }), want: { pass: false } },
  ])('stage 1 with passIdentity on a $name frame', ({ frame, want }) => {
    expect(firehoseSource({ url: 'ws://localhost:1', passIdentity: true }).stage1(frame, hasNobody)).toEqual(want)
  })
})

async function setup(savedCursor?: number) {
  const relay = await FakeRelay.start()
  const dir = mkdtempSync(join(tmpdir(), 'atrarium-firehose-'))
  const driver = new SqliteDriver(join(dir, 'index.sqlite'))
  const store = new SqlStore(driver)
  const source = firehoseSource({ url: relay.url })
  if (savedCursor !== undefined) store.setCursor(source.key, savedCursor)
  const warnings = new Inbox<{ obj: Record<string, unknown>; msg: string }>()
  const log: Logger = { debug() {}, info() {}, error() {}, warn: (obj, msg) => warnings.push({ obj: obj as Record<string, unknown>, msg: msg ?? '' }) }
  const indexer = new Indexer({ store, log, retentionUs: 7 * US_PER_DAY })
  const ingest = new StreamIngest({ source, store, indexer, log, backoff: { baseMs: 5, maxMs: 20 } })
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => driver.close(), () => relay.close(), () => ingest.close())
  ingest.start()
  return { relay, store, source, ingest, warnings }
}

const seqOf = (i: number): number => peekSeq(frames[i]!)!
const lastSeq = seqOf(frames.length - 1)

describe('StreamIngest from a firehose', () => {
  it('drops the real frames at stage 1 but the #account one, yet saves the last seq, and resumes from it without rewind', async () => {
    const { relay, ingest, store, source } = await setup()
    expect(lastSeq).toBe(31527015471)
    const first = await relay.connection(1)
    expect(first.cursor).toBeNull()
    for (const f of frames) first.ws.send(f)
    // Dropped frames reach the index as cursor marks, at least once a second.
    await until(() => ingest.cursor === lastSeq, 'the last seq saved', 5_000)
    expect(store.getCursor(source.key)).toBe(lastSeq)
    expect(ingest.stats).toMatchObject({ frames: frames.length, passed: 1, malformed: 0, events: 1 })
    first.ws.terminate()
    const second = await relay.connection(2)
    expect(second.cursor).toBe(String(lastSeq))
  })

  it('logs #info OutdatedCursor and reads on over the same connection', async () => {
    const { relay, ingest, warnings } = await setup(100)
    const conn = await relay.connection(1)
    expect(conn.cursor).toBe('100')
    conn.ws.send(infoFrame('OutdatedCursor', 'cursor is older than the backfill window'))
    conn.ws.send(frames[0]!)
    await until(() => ingest.stats.frames === 2, 'two frames')
    const [w] = await warnings.atLeast(1, 'info warning')
    expect(w!.obj).toMatchObject({ reason: 'OutdatedCursor' })
    expect(relay.connections.length).toBe(1)
  })

  it('forgets the saved cursor on FutureCursor and reconnects live, then saves the new seqs', async () => {
    const { relay, ingest, store, source, warnings } = await setup(99_999_999_999)
    const first = await relay.connection(1)
    expect(first.cursor).toBe('99999999999')
    first.ws.send(errorFrame('FutureCursor', 'cursor in the future'))
    first.ws.close()
    const second = await relay.connection(2)
    expect(second.cursor).toBeNull()
    expect(ingest.cursor).toBeUndefined()
    second.ws.send(frames[0]!)
    await until(() => ingest.stats.frames === 2, 'frame after reconnect')
    await ingest.close()
    expect(store.getCursor(source.key)).toBe(seqOf(0))
    expect(warnings.items.some((w) => w.obj.reason === 'FutureCursor')).toBe(true)
  })

  it('reconnects from the saved cursor on ConsumerTooSlow', async () => {
    const { relay } = await setup(500)
    const first = await relay.connection(1)
    first.ws.send(errorFrame('ConsumerTooSlow'))
    const second = await relay.connection(2)
    expect(second.cursor).toBe('500')
  })

  it('counts, logs and skips malformed frames without stopping', async () => {
    const { relay, ingest, warnings } = await setup()
    const conn = await relay.connection(1)
    conn.ws.send(Buffer.from([0xff, 0x00, 0x01]))
    conn.ws.send(encodeFrame({ op: 1, t: '#commit' }, { seq: 1, repo: 'not-a-did', rev: 'x', time: 'x', ops: [], text: 'atrarium_' }))
    conn.ws.send(frames[0]!)
    await until(() => ingest.stats.frames === 3, 'three frames')
    await ingest.idle()
    await until(() => ingest.stats.malformed === 2, 'two malformed frames')
    expect(warnings.items.filter((w) => w.msg === 'malformed frame skipped').length).toBe(2)
    expect(relay.connections.length).toBe(1)
  })
})
