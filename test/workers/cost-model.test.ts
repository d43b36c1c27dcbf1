import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test'
import { expect, it } from 'vitest'
import { passesPrefilter, trackedAuthor } from '../../src/core/prefilter.js'
import { alarmRuns } from '../../src/workers/community-feed.js'
import { sqlUsage } from '../../src/workers/do-sql-driver.js'
import worker from '../../src/workers/index.js'
import { MESSAGE_TARGET_BYTES, packFrames, utf8ByteLength } from '../../src/workers/queue-limits.js'
import { communityStub } from '../../src/workers/routing.js'
import { costTables } from '../support/cost-table.js'
import { createStream } from '../support/stream-generator.js'
import { wrapNamespace } from './namespace-proxy.js'
import { until } from './wait.js'

/** Counts every RPC made on a Durable Object namespace's stubs. */
const counting = <T>(ns: T, counter: { calls: number }): T =>
  wrapNamespace(ns, (_, call) => (...args: unknown[]) => {
    counter.calls++
    return call(...args)
  })

/** The design's network rate, and the receiver's flush window (ReceiverBuffer's default maxWaitMs). */
const EVENTS_PER_S = 2000
const FLUSH_S = 2

/**
 * Stage-1 survivors as the receiver sends them: each flush (2 s of stream, or 64 KB of frames) one
 * message, a JSON array of frames.
 */
function receiverMessages(frames: { raw: string; index: number }[]): string[] {
  const perFlush = EVENTS_PER_S * FLUSH_S
  const windows = new Map<number, { body: string; bytes: number }[]>()
  for (const f of frames) {
    const w = Math.floor(f.index / perFlush)
    windows.set(w, [...(windows.get(w) ?? []), { body: f.raw, bytes: utf8ByteLength(f.raw) }])
  }
  return [...windows.values()].flatMap((w) => packFrames(w).map((m) => m.body))
}

it('cost model: Durable Object requests, rows written and queue operations per 1,000 network events', async () => {
  const requests = { calls: 0 }
  const costEnv = { ...env, COMMUNITY_FEED: counting(env.COMMUNITY_FEED, requests), DIRECTORY: counting(env.DIRECTORY, requests), GLOBAL_POSTS: counting(env.GLOBAL_POSTS, requests) }
  // The design's mix: ~1% of posts name a community, and about one in ten of those is deleted again,
  // as on the network (~2% of events delete a post, ~23% create one); 10 joins a day per community
  // (10,000 a day for 1,000 communities, of the network's 172.8 M events a day).
  const stream = createStream({
    seed: 7, communities: 20, membersPerCommunity: 25, communityShare: 0.01, communityDeletes: 0.012, membershipShare: 10_000 / (2000 * 86_400),
  })
  let seq = 0
  const deliver = async (bodies: string[]) => {
    // At one flush every 2 s and the consumer's 1 s batch timeout, a queue batch holds one message.
    for (const body of bodies) {
      const batch = createMessageBatch<string>('atrarium-firehose', [{ id: `c${seq++}`, timestamp: new Date(), attempts: 1, body }])
      const ctx = createExecutionContext()
      await worker.queue(batch as MessageBatch<unknown>, costEnv)
      expect((await getQueueResult(batch, ctx)).retryMessages).toEqual([])
    }
  }
  /** Until every community's join backfills are done: their alarms are part of the cost. */
  const joinsSettled = () => until(async () => {
    const pending = await Promise.all(stream.communities.map((c) => communityStub(env, c.id).joinBackfillPending()))
    return pending.every((n) => n === 0)
  }, 'join backfills', 20_000)
  await deliver(packFrames(stream.setup().map((raw) => ({ body: raw, bytes: utf8ByteLength(raw) }))).map((m) => m.body))
  await joinsSettled()

  const authors = new Set<string>()
  /** The next `n` events' stage-1 survivors, packed as the receiver sends them. */
  const messagesOf = (n: number) => {
    const survivors: { raw: string; index: number }[] = []
    for (let i = 0; i < n; i++) {
      const { raw } = stream.next()
      if (!passesPrefilter(raw, (d) => authors.has(d))) continue
      const author = trackedAuthor(raw)
      if (author) authors.add(author)
      survivors.push({ raw, index: i })
    }
    return { survivors, messages: receiverMessages(survivors) }
  }
  // A warm-up, so the measured window is the steady state: every community has had a post (its
  // first one allocates the community's key) and the stage-1 author set has filled.
  await deliver(messagesOf(10_000).messages)
  await joinsSettled()

  const N = 20_000
  const { survivors, messages } = messagesOf(N)
  requests.calls = 0
  const alarmsBefore = alarmRuns.count
  const rowsBefore = sqlUsage.rowsWritten
  sqlUsage.byStatement = {}
  await deliver(messages)
  await joinsSettled()
  const per1000 = (n: number) => Math.round((n / N) * 1000 * 100) / 100
  // Write, read and delete (ack) per message, each per 64 KB.
  const queueOps = messages.reduce((n, m) => n + 3 * Math.ceil(utf8ByteLength(m) / 64_000), 0)
  const doRequests = requests.calls + alarmRuns.count - alarmsBefore
  const result = {
    events: N,
    survivors: survivors.length,
    queueMessages: messages.length,
    perThousand: { queueMessages: per1000(messages.length), queueOperations: per1000(queueOps), doRequests: per1000(doRequests), alarms: per1000(alarmRuns.count - alarmsBefore), rowsWritten: per1000(sqlUsage.rowsWritten - rowsBefore) },
  }
  console.log(`COST_MODEL ${JSON.stringify(result)}`)
  const measured = {
    events: N, survivors: survivors.length, survivorBytes: survivors.reduce((n, f) => n + utf8ByteLength(f.raw), 0),
    communityPosts: survivors.filter((f) => f.raw.includes('"app.bsky.feed.post"') && f.raw.includes('#atrarium_')).length,
    doRequests, rowsWritten: sqlUsage.rowsWritten - rowsBefore,
  }
  // Between the markers: what `npm run cost:doc` puts in docs/cost.md.
  console.log(`COST_DOC_BEGIN\n${costTables(measured)}\nCOST_DOC_END`)
  for (const [sql, rows] of Object.entries(sqlUsage.byStatement).sort((a, b) => b[1] - a[1])) console.log(`ROWS ${per1000(rows)} ${sql}`)
  delete sqlUsage.byStatement
  expect(survivors.length).toBeGreaterThan(N * 0.002)
  expect(survivors.length).toBeLessThan(N * 0.05)
  for (const m of messages) expect(utf8ByteLength(m)).toBeLessThanOrEqual(MESSAGE_TARGET_BYTES)
  expect(sqlUsage.rowsWritten - rowsBefore).toBeGreaterThan(0)
}, 120_000)
