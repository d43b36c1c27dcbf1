import { env } from 'cloudflare:test'
import { afterAll, expect, it } from 'vitest'
import { inject } from 'vitest'
import type { RecordEvent } from '../../src/core/events.js'
import { NSID } from '../../src/core/nsid.js'
import worker from '../../src/workers/index.js'
import { community, configEvent, del, membershipEvent, postEvent, postUri } from '../support/events.js'
import { readFeed } from '../support/scenario.js'
import { until } from './wait.js'

const testEnv = { ...env, ATRARIUM_HOSTNAME: 'feeds.example.com' }
const get = async (path: string) => {
  const res = await worker.fetch(new Request(`https://feeds.example.com${path}`), testEnv)
  return { status: res.status, body: (await res.json()) as any }
}
const receiver = () => env.FIREHOSE_RECEIVER.get(env.FIREHOSE_RECEIVER.idFromName('main'))
const control = async (path: string, body?: unknown) => {
  const res = await fetch(`${inject('jetstreamControlUrl')}${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) })
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`)
  return res.json() as Promise<any>
}
afterAll(async () => {
  await receiver().stop()
})

// Issue #14: with ATRARIUM_FIREHOSE_URL the Workers receiver follows a relay's subscribeRepos,
// with the same source (stage 1, seq cursor, URL) as the Node host, into the same queue and consumer.
// Issue #15: its commits are verified (ATRARIUM_VERIFY_COMMITS defaults to true) with the Node host's
// verifier: the relay sends real signed commits, whose repos' documents the fake PLC serves.
it('follows a relay firehose: verified commits flow through the queue into the feed, forged ones are refused, the seq is saved, and a reconnect resumes from it', async () => {
  const owner = 'did:plc:fhowneraaaaaaaaaaaaaaaaa'
  const ann = 'did:plc:fhannaaaaaaaaaaaaaaaaaaa'
  const C = community(owner, '3kfirehose222')
  await receiver().start()
  await until(async () => (await control('/relay/connections')).length >= 1, 'the receiver connected to the relay', 15_000)
  expect(new URL((await control('/relay/connections'))[0].url).pathname).toBe(`/xrpc/${NSID.subscribeRepos}`)

  const commits: { seq: number; events: RecordEvent[]; tamper?: 'signature' | 'op' }[] = [
    { seq: 101, events: [configEvent(C)] },
    { seq: 102, events: [membershipEvent(ann, 'm1', C)] },
    // A likes-only commit: dropped at stage 1, its seq still counts.
    { seq: 103, events: [{ op: 'create', did: 'did:plc:fh-other', collection: NSID.like, rkey: '3kl1', record: { $type: NSID.like, subject: { uri: 'at://x/y/z', cid: 'bafy' }, createdAt: new Date().toISOString() }, timeUs: Date.now() * 1000, cursor: 0 }] },
    // Two writes in one commit, as a relay sends them.
    { seq: 104, events: [postEvent(ann, 'p1', `one ${C.hashtag}`), postEvent(ann, 'p2', `two ${C.hashtag}`)] },
    { seq: 105, events: [postEvent(owner, 'p3', `owner ${C.hashtag}`)] },
    { seq: 106, events: [del(ann, NSID.post, 'p1')] },
    // Forgeries: both pass stage 1, neither reaches the feed.
    { seq: 107, events: [postEvent(ann, 'p4', `bad signature ${C.hashtag}`)], tamper: 'signature' },
    { seq: 108, events: [postEvent(ann, 'p5', `forged op ${C.hashtag}`)], tamper: 'op' },
  ]
  await control('/relay/signed', { commits })
  const want = [postUri(owner, 'p3'), postUri(ann, 'p2')]
  await until(async () => JSON.stringify(await readFeed(get, C.id).catch(() => [])) === JSON.stringify(want), 'the commits indexed', 20_000)
  await until(async () => (await receiver().status()).cursor === 108, 'the seq saved', 15_000)
  const status = await receiver().status()
  expect(status.stats).toMatchObject({ passed: 7, undecodable: 0, verified: 5, 'rejected.signature': 1, 'rejected.proof': 1, 'rejected.key': 0 })
  expect(await readFeed(get, C.id)).toEqual(want)

  // A dropped connection: the next one asks for everything after the saved seq.
  const before = (await control('/relay/connections')).length
  await receiver().stop()
  await receiver().start()
  await until(async () => (await control('/relay/connections')).length > before, 'a new connection', 15_000)
  expect((await control('/relay/connections'))[before].cursor).toBe('108')
}, 60_000)
