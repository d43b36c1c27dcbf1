import { createExecutionContext, createMessageBatch, env, getQueueResult, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import worker from '../../src/workers/index.js'
import { communityStub } from '../../src/workers/routing.js'
import { community, configEvent, membershipEvent, postEvent, toJetstream } from '../support/events.js'
import { A, expected, feedPath, readFeed, scenario } from '../support/scenario.js'

const testEnv = { ...env, ATRARIUM_HOSTNAME: 'feeds.example.com' }
let seq = 0

/** Delivers frames to the queue consumer as one batch, one message per frame, and waits for it. */
async function deliver(frames: string[]) {
  const batch = createMessageBatch<string>('atrarium-firehose', frames.map((body) => ({ id: `m${seq++}`, timestamp: new Date(), attempts: 1, body })))
  const ctx = createExecutionContext()
  await worker.queue(batch as MessageBatch<unknown>, testEnv)
  return getQueueResult(batch, ctx)
}

const get = async (path: string) => {
  const res = await worker.fetch(new Request(`https://feeds.example.com${path}`), testEnv)
  return { status: res.status, body: (await res.json()) as any }
}

describe('Workers host: queue → processor → community Durable Objects', () => {
  it('plays the scripted scenario and answers exactly as the Node host does', async () => {
    const s = scenario()
    const result = await deliver(s.frames)
    expect(result.explicitAcks.length).toBe(s.frames.length)
    expect(result.retryMessages).toEqual([])
    expect(await readFeed(get, A.id)).toEqual(expected.feed)
    expect((await get(feedPath('ffffffff'))).body.error).toBe('UnknownFeed')
    expect((await get(feedPath(A.id, '&limit=0'))).body.error).toBe('InvalidRequest')
    expect((await get('/xrpc/app.bsky.feed.describeFeedGenerator')).body).toEqual(expected.describe)

    await deliver(s.tailFrames)
    expect(await readFeed(get, A.id)).toEqual(expected.feedAfterTail)
  })

  it('routes a post delete through the directory to every community that holds it', async () => {
    const B = community('did:plc:owner-b', '3kbbbbbbbbbb2')
    const C = community('did:plc:owner-c', '3kcccccccccc2')
    const post = postEvent('did:plc:member', 'both', `${B.hashtag} ${C.hashtag}`)
    await deliver([configEvent(B), configEvent(C), membershipEvent('did:plc:member', 'm1', B), membershipEvent('did:plc:member', 'm2', C), post].map((e) => JSON.stringify(toJetstream(e))))
    expect([await readFeed(get, B.id), await readFeed(get, C.id)]).toEqual([[expect.stringContaining('/both')], [expect.stringContaining('/both')]])
    // An update that drops C's tag reaches C through the directory, not the hashtags.
    await deliver([JSON.stringify(toJetstream(postEvent('did:plc:member', 'both', `only ${B.hashtag}`, {}, 'update')))])
    expect(await readFeed(get, C.id)).toEqual([])
    await deliver([JSON.stringify({ did: 'did:plc:member', time_us: Date.now() * 1000, kind: 'commit', commit: { rev: 'x', operation: 'delete', collection: 'app.bsky.feed.post', rkey: 'both' } })])
    expect([await readFeed(get, B.id), await readFeed(get, C.id)]).toEqual([[], []])
  })

  it('runs retention on an alarm armed by the first write', async () => {
    const R = community('did:plc:owner-r', '3krrrrrrrrrr2')
    const old = postEvent(R.owner, 'old', R.hashtag, {}, 'create', Date.now() * 1000 - 6 * 86_400_000_000)
    await deliver([configEvent(R), old].map((e) => JSON.stringify(toJetstream(e))))
    expect(await readFeed(get, R.id)).toHaveLength(1)
    const stub = communityStub(testEnv, R.id)
    // Age the post past the 7-day window and let retention's hour pass, then fire the alarm the
    // write armed (it also serves the owner's join backfill, which came first).
    await runInDurableObject(stub, async (_i, state) => {
      state.storage.sql.exec('UPDATE posts SET sort_us = sort_us - ?', 2 * 86_400_000_000)
      expect(await state.storage.get('retentionAt')).toBeGreaterThan(Date.now())
      await state.storage.put('retentionAt', Date.now() - 1)
    })
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    await runInDurableObject(stub, async (_i, state) => {
      expect(state.storage.sql.exec('SELECT count(*) AS n FROM posts').one()).toEqual({ n: 0 })
      expect(await state.storage.getAlarm()).not.toBeNull()
    })
  })
})
