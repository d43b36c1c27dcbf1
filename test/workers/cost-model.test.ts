import { createMessageBatch, env } from 'cloudflare:test'
import { expect, it } from 'vitest'
import { passesPrefilter, peekDid } from '../../src/core/prefilter.js'
import { sqlUsage } from '../../src/workers/do-sql-driver.js'
import worker from '../../src/workers/index.js'
import { createStream } from '../support/stream-generator.js'
import { wrapNamespace } from './namespace-proxy.js'

/** Counts every RPC made on a Durable Object namespace's stubs. */
const counting = <T>(ns: T, counter: { calls: number }): T =>
  wrapNamespace(ns, (_, call) => (...args: unknown[]) => {
    counter.calls++
    return call(...args)
  })

it('cost model: Durable Object requests, rows written and queue operations per 1,000 network events', async () => {
  const requests = { calls: 0 }
  const costEnv = { ...env, COMMUNITY_FEED: counting(env.COMMUNITY_FEED, requests), DIRECTORY: counting(env.DIRECTORY, requests), GLOBAL_POSTS: counting(env.GLOBAL_POSTS, requests) }
  const stream = createStream({ seed: 7, communities: 20, membersPerCommunity: 25 })
  let seq = 0
  const deliver = async (frames: string[]) => {
    for (let i = 0; i < frames.length; i += 100) {
      const batch = createMessageBatch<string>('atrarium-firehose', frames.slice(i, i + 100).map((body) => ({ id: `c${seq++}`, timestamp: new Date(), attempts: 1, body })))
      await worker.queue(batch as MessageBatch<unknown>, costEnv)
    }
  }
  await deliver(stream.setup())

  const N = 20_000
  const authors = new Set<string>()
  const survivors: string[] = []
  for (let i = 0; i < N; i++) {
    const { raw } = stream.next()
    if (!passesPrefilter(raw, (d) => authors.has(d))) continue
    if (raw.includes('"app.bsky.feed.post"')) authors.add(peekDid(raw)!)
    survivors.push(raw)
  }
  requests.calls = 0
  const rowsBefore = sqlUsage.rowsWritten
  sqlUsage.byStatement = {}
  await deliver(survivors)
  const per1000 = (n: number) => Math.round((n / N) * 1000 * 100) / 100
  const queueOps = survivors.length * 3 // write, read and delete (ack) per message under 64 KB
  const result = {
    events: N,
    queueMessages: survivors.length,
    perThousand: { queueMessages: per1000(survivors.length), queueOperations: per1000(queueOps), doRequests: per1000(requests.calls), rowsWritten: per1000(sqlUsage.rowsWritten - rowsBefore) },
  }
  console.log(`COST_MODEL ${JSON.stringify(result)}`)
  for (const [sql, rows] of Object.entries(sqlUsage.byStatement).sort((a, b) => b[1] - a[1])) console.log(`ROWS ${per1000(rows)} ${sql}`)
  delete sqlUsage.byStatement
  expect(survivors.length).toBeGreaterThan(N * 0.005)
  expect(survivors.length).toBeLessThan(N * 0.05)
  expect(requests.calls).toBeGreaterThanOrEqual(survivors.length)
  expect(sqlUsage.rowsWritten - rowsBefore).toBeGreaterThan(0)
}, 120_000)
