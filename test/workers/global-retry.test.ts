import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test'
import { expect, it } from 'vitest'
import type { RepoEvent } from '../../src/core/events.js'
import { NSID } from '../../src/core/nsid.js'
import worker from '../../src/workers/index.js'
import { actionEvent, community, configEvent, del, isoUs, membershipEvent, postEvent, postUri, T0, toJetstream } from '../support/events.js'
import { feedPath } from '../support/scenario.js'
import { wrapNamespace } from './namespace-proxy.js'

const alice = 'did:plc:alice'
const bob = 'did:plc:bob'
const carol = 'did:plc:carol'
const A = community(alice, '3jzfcijpj2z3a')
const B = community(carol, '3jzfcijpj2z3b')
let seq = 0

/** GLOBAL_POSTS whose `sync` fails while `failing.on` holds, as a shard can fail under load. */
const flakyGlobal = (failing: { on: boolean }): Env['GLOBAL_POSTS'] =>
  wrapNamespace(env.GLOBAL_POSTS, (method, call) => ((method === 'sync' || method === 'syncMany') && failing.on ? () => Promise.reject(new Error('shard overloaded')) : call))

async function deliver(events: RepoEvent[], queueEnv: Env) {
  const batch = createMessageBatch<string>('atrarium-firehose', events.map((e) => ({ id: `g${seq++}`, timestamp: new Date(), attempts: 1, body: JSON.stringify(toJetstream(e)) })))
  const ctx = createExecutionContext()
  await worker.queue(batch as MessageBatch<unknown>, queueEnv)
  return getQueueResult(batch, ctx)
}

const globalOfB = async () => {
  const res = await worker.fetch(new Request(`https://feeds.example.com${feedPath(B.id, '&limit=50')}`), env)
  expect(res.status).toBe(200)
  return ((await res.json()) as { feed: { post: string }[] }).feed.map((f) => f.post)
}

it('an unhide whose report to the global shard failed is reported again when the queue retries it', async () => {
  const post = postUri(bob, 'p1')
  await deliver([
    configEvent(A),
    configEvent(B, { feedMix: { own: 50, parent: 0, global: 50 } }),
    membershipEvent(bob, 'm1', A),
    postEvent(bob, 'p1', `hello ${A.hashtag}`),
    actionEvent(alice, 'h1', A, 'hide_post', post, isoUs(T0)),
  ], env)
  expect(await globalOfB()).not.toContain(post)

  const unhide = del(alice, NSID.action, 'h1')
  const failing = { on: true }
  const first = await deliver([unhide], { ...env, GLOBAL_POSTS: flakyGlobal(failing) })
  expect(first.retryMessages).toHaveLength(1)
  expect(await globalOfB()).not.toContain(post)

  // The queue redelivers it; the action is gone from the community by now.
  const retry = await deliver([unhide], env)
  expect(retry.retryMessages).toEqual([])
  expect(await globalOfB()).toContain(post)
})
