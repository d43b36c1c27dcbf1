import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test'
import { expect, it } from 'vitest'
import type { RepoEvent } from '../../src/core/events.js'
import { NSID } from '../../src/core/nsid.js'
import worker from '../../src/workers/index.js'
import { community, configEvent, del, membershipEvent, postEvent, postUri, toJetstream } from '../support/events.js'
import { readFeed } from '../support/scenario.js'
import { getJson } from './queue-delivery.js'
import { wrapNamespace } from './namespace-proxy.js'

let seq = 0
const get = (path: string) => getJson(path, env)

/** One queue message packing `events`, delivered once; the consumer's verdict on it. */
async function deliver(events: RepoEvent[], queueEnv: Env) {
  const body = JSON.stringify(events.map((e) => JSON.stringify(toJetstream(e))))
  const batch = createMessageBatch<string>('atrarium-firehose', [{ id: `r${seq++}`, timestamp: new Date(), attempts: 1, body }])
  const ctx = createExecutionContext()
  await worker.queue(batch as MessageBatch<unknown>, queueEnv)
  return getQueueResult(batch, ctx)
}

// Issue #14: a batch is applied one community at a time; when one community's apply fails the
// whole message is retried, and the communities already applied take their events again. Every
// write is idempotent, so the retry leaves exactly the state of a single clean delivery.
it('a batch whose apply failed in one community is retried whole, and the communities applied twice end as if applied once', async () => {
  const owner = 'did:plc:br-owner'
  const bo = 'did:plc:br-bo'
  const X = community(owner, '3kbatchretrx2')
  const Y = community(owner, '3kbatchretry2')
  const Z = community(owner, '3kbatchretrz2')
  const events = (c: typeof X, tag: string): RepoEvent[] => [
    configEvent(c), membershipEvent(bo, `m-${tag}`, c),
    postEvent(bo, `${tag}1`, `one ${c.hashtag}`), postEvent(bo, `${tag}2`, `two ${c.hashtag}`),
    del(bo, NSID.post, `${tag}1`), postEvent(bo, `${tag}3`, `three ${c.hashtag}`),
  ]
  const batch = [...events(X, 'x'), ...events(Y, 'y')]
  // Y's object fails its apply once: X's has already applied its events by then.
  const failing = { on: true }
  const flaky = wrapNamespace(env.COMMUNITY_FEED, (method, call) => (method === 'apply' && failing.on ? async (...args: unknown[]) => {
    const [es] = args as [RepoEvent[]]
    if (es.some((e) => e.op !== 'account' && e.collection === NSID.config && e.rkey === Y.rkey)) {
      failing.on = false
      throw new Error('object overloaded')
    }
    return call(...args)
  } : call))
  const first = await deliver(batch, { ...env, COMMUNITY_FEED: flaky })
  expect(first.retryMessages).toHaveLength(1)
  expect(first.explicitAcks).toEqual([])
  expect(await readFeed(get, X.id)).toEqual([postUri(bo, 'x3'), postUri(bo, 'x2')])

  // The queue redelivers the message: X takes its events a second time.
  const retry = await deliver(batch, env)
  expect(retry.retryMessages).toEqual([])
  // The same as a community that took the same events once, cleanly.
  const clean = await deliver(events(Z, 'z'), env)
  expect(clean.retryMessages).toEqual([])
  const feeds = await Promise.all([X, Y, Z].map((c) => readFeed(get, c.id)))
  expect(feeds).toEqual([['x3', 'x2'], ['y3', 'y2'], ['z3', 'z2']].map((rs) => rs.map((r) => postUri(bo, r))))
  const members = await Promise.all([X, Y, Z].map(async (c) => (await get(`/xrpc/${NSID.getMembers}?community=${encodeURIComponent(c.uri)}`)).body.members.length))
  expect(members).toEqual([2, 2, 2])
})
