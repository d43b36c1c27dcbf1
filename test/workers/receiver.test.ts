import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { NSID, WANTED_COLLECTIONS } from '../../src/core/nsid.js'
import { unpackMessage } from '../../src/workers/queue-limits.js'
import type { FirehoseReceiver } from '../../src/workers/firehose-receiver.js'
import { community, del, postEvent, tick, toJetstream } from '../support/events.js'
import { connections, dropClients, publish } from './jetstream-control.js'
import { until } from './wait.js'

const c = community('did:plc:owner', '3kcommunity')
const frameOf = (e: Parameters<typeof toJetstream>[0]) => ({ raw: JSON.stringify(toJetstream(e)), timeUs: e.timeUs })
const likeFrame = (did: string, timeUs = tick()) => ({
  raw: JSON.stringify({ did, time_us: timeUs, kind: 'commit', commit: { operation: 'create', collection: 'app.bsky.feed.like', rkey: 'l' } }),
  timeUs,
})

let n = 0
const started: DurableObjectStub<FirehoseReceiver>[] = []
/** A fresh receiver per test, so cursors and authors do not leak between tests. */
function receiver(): DurableObjectStub<FirehoseReceiver> {
  const stub = env.FIREHOSE_RECEIVER.get(env.FIREHOSE_RECEIVER.idFromName(`receiver-test-${n++}`))
  started.push(stub)
  return stub
}

/** Spies on the queue binding the object itself holds, calling through to the real queue. */
const spyQueue = (stub: DurableObjectStub<FirehoseReceiver>) =>
  runInDurableObject(stub, (instance) => vi.spyOn((instance as unknown as { env: Env }).env.FIREHOSE_QUEUE, 'sendBatch'))

const alarmOf = (stub: DurableObjectStub<FirehoseReceiver>) => runInDurableObject(stub, (_i, state) => state.storage.getAlarm())

afterEach(async () => {
  // Stopped receivers neither hold a socket nor wake up, so they cannot add connections to later tests.
  for (const stub of started.splice(0)) await stub.stop()
  vi.restoreAllMocks()
})

describe('FirehoseReceiver', () => {
  it('start() connects with the wanted collections and arms the keep-alive alarm; it is idempotent (defect 3)', async () => {
    const before = (await connections()).length
    const stub = receiver()
    await stub.start()
    expect((await stub.status()).connected).toBe(true)
    await stub.start()
    const after = await connections()
    expect(after).toHaveLength(before + 1)
    const url = new URL(after[before]!.url)
    expect(url.searchParams.getAll('wantedCollections')).toEqual([...WANTED_COLLECTIONS])
    expect(url.searchParams.get('maxMessageSizeBytes')).toBe(String(1024 * 1024))
    expect(url.searchParams.has('cursor')).toBe(false) // nothing saved yet: live tail
    const alarm = await alarmOf(stub)
    expect(alarm).not.toBeNull()
    expect(alarm! - Date.now()).toBeLessThanOrEqual(30_000)
  })

  it('the alarm re-arms itself (defect 3)', async () => {
    const stub = receiver()
    await stub.start()
    const first = await alarmOf(stub)
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    const next = await alarmOf(stub)
    expect(next).not.toBeNull()
    expect(next).toBeGreaterThanOrEqual(first!)
    expect((await stub.status()).connected).toBe(true)
  })

  it('sends the surviving frames of a flush packed in one queue message; dropped frames still advance the saved cursor (defect 2, issue #14)', async () => {
    const stub = receiver()
    const sendBatch = await spyQueue(stub)
    await stub.start()
    const alice = 'did:plc:alice'
    const frames = [
      frameOf(postEvent(alice, 'p1', `hello ${c.hashtag}`)),
      likeFrame('did:plc:bob'),
      frameOf(postEvent('did:plc:bob', 'p2', 'no community here')),
      frameOf(postEvent(alice, 'p3', `again ${c.hashtag}`)),
      frameOf(del(alice, NSID.post, 'p1')), // passes: alice is now a candidate author
      frameOf(del('did:plc:bob', NSID.post, 'p2')), // dropped: bob never posted to a community
      likeFrame('did:plc:carol'), // the newest frame is a dropped one
    ]
    await publish(frames)
    const last = frames[frames.length - 1]!.timeUs
    await until(async () => (await stub.status()).cursor === last, 'cursor at the last (dropped) frame', 15_000)

    const messages = sendBatch.mock.calls.flatMap(([batch]) => [...batch])
    for (const m of messages) expect(typeof m.body).toBe('string')
    expect(messages.flatMap((m) => unpackMessage(m.body as string))).toEqual([frames[0]!.raw, frames[3]!.raw, frames[4]!.raw])
    expect(messages.length).toBeLessThan(3)
    for (const call of sendBatch.mock.results) await expect(call.value).resolves.toBeDefined() // the real queue took them
    const status = await stub.status()
    expect(status.stats).toMatchObject({ messages: frames.length, passed: 3, authors: 1 })
    const authors = await runInDurableObject(stub, (_i, state) => state.storage.sql.exec('SELECT did FROM receiver_authors').toArray())
    expect(authors).toEqual([{ did: alice }]) // persisted, so an evicted object still lets alice's deletes through
  })

  it('does not move the saved cursor while sendBatch fails, and does once it succeeds (defect 1)', async () => {
    const stub = receiver()
    const sendBatch = await spyQueue(stub)
    sendBatch.mockRejectedValueOnce(new Error('queue unavailable')).mockRejectedValueOnce(new Error('queue unavailable'))
    await stub.start()
    const f = frameOf(postEvent('did:plc:dave', 'p1', `hi ${c.hashtag}`))
    await publish([f])
    await until(() => sendBatch.mock.calls.length >= 1, 'first (failing) send')
    expect((await stub.status()).cursor).toBeUndefined()
    await until(async () => (await stub.status()).cursor === f.timeUs, 'cursor saved after the retry succeeds', 15_000)
    expect(sendBatch.mock.calls.length).toBe(3)
    for (const [batch] of sendBatch.mock.calls) expect([...batch].flatMap((m) => unpackMessage(m.body as string))).toEqual([f.raw])
  })

  it('after the server drops it, the alarm reconnects, rewinding the saved cursor by 5 s (defect 3)', async () => {
    const stub = receiver()
    await stub.start()
    const f = frameOf(postEvent('did:plc:erin', 'p1', `hi ${c.hashtag}`))
    await publish([f])
    await until(async () => (await stub.status()).cursor === f.timeUs, 'cursor saved', 15_000)
    const before = (await connections()).length

    await dropClients()
    await until(async () => !(await stub.status()).connected, 'receiver saw the disconnect')
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    await until(async () => (await connections()).length > before, 'a new connection')
    const conn = (await connections())[before]!
    expect(conn.cursor).toBe(f.timeUs - 5_000_000)
    await until(async () => (await stub.status()).connected, 'receiver connected again')
    expect(await alarmOf(stub)).not.toBeNull()
  })

  it('drops a frame over 1 MiB without parsing it and stays connected', async () => {
    const stub = receiver()
    await stub.start()
    const small = frameOf(postEvent('did:plc:fred', 'p1', `hi ${c.hashtag}`))
    const huge = { raw: JSON.stringify({ did: 'did:plc:fred', time_us: tick(), pad: 'z'.repeat(1024 * 1024) }), timeUs: 0 }
    await publish([huge, small])
    await until(async () => (await stub.status()).cursor === small.timeUs, 'the frame after the oversized one', 15_000)
    const status = await stub.status()
    expect(status.connected).toBe(true)
    expect(status.stats).toMatchObject({ oversized: 1, passed: 1 })
  })
})
