import type { PrivateKeyExportable } from '@atcute/crypto'
import { createServiceJwt } from '@atcute/xrpc-server/auth'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { createApp } from './app.js'
import { ServiceAuthVerifier } from '../auth/service-auth-verifier.js'
import { FeedService } from '../core/feed-service.js'
import { applyInteractions, REQUEST_LESS } from '../core/interactions.js'
import { Indexer } from '../core/indexer.js'
import { silentLogger } from '../core/logger.js'
import { NSID } from '../core/nsid.js'
import { US_PER_DAY } from '../core/time.js'
import { SqlStore } from '../store/sql-store.js'
import { SqliteDriver } from '../store/sqlite-driver.js'
import { community, configEvent, membershipEvent, postEvent, postUri } from '../../test/support/events.js'
import { createKey, didDocument, FakePlc } from '../../test/support/fake-plc.js'

// app.bsky.feed.sendInteractions over HTTP with real service JWTs (SPEC §12).
const SERVICE = 'did:web:feeds.example.com'
const VIEWER = 'did:plc:viewer00000000000000000'
const A = community('did:plc:owner', '3jzfcijpj2z2a')
const bob = 'did:plc:bob'
const feedPath = `/xrpc/${NSID.getFeedSkeleton}?feed=${encodeURIComponent(`at://${A.owner}/${NSID.feedGenerator}/${A.id}`)}`

let plc: FakePlc
let key: PrivateKeyExportable
let driver: SqliteDriver
beforeAll(async () => {
  plc = await FakePlc.start()
  key = await createKey('k256')
  plc.docs.set(VIEWER, await didDocument(VIEWER, { atproto: key }))
})
afterAll(() => plc.close())
afterEach(() => driver?.close())

function setup() {
  driver = new SqliteDriver(':memory:')
  const store = new SqlStore(driver)
  const indexer = new Indexer({ store, log: silentLogger, retentionUs: 7 * US_PER_DAY })
  indexer.applyBatch([configEvent(A), membershipEvent(bob, 'm1', A), postEvent(bob, 'b1', `hi ${A.hashtag}`), postEvent(A.owner, 'o1', `hi ${A.hashtag}`)])
  const feeds = new FeedService({ store, serviceDid: SERVICE, minSortUs: () => 0 })
  const auth = new ServiceAuthVerifier({ serviceDid: SERVICE, plcUrl: plc.url })
  return createApp({
    feeds, auth, hostname: 'feeds.example.com', log: silentLogger,
    interactions: (viewer, items) => applyInteractions(store, viewer, items, Date.now() * 1000, 7 * US_PER_DAY),
  })
}
const jwt = (lxm: string) => createServiceJwt({ keypair: key, issuer: VIEWER, audience: SERVICE, lxm: lxm as `${string}.${string}.${string}`, issuedAt: Math.floor(Date.now() / 1000) })
const send = async (app: ReturnType<typeof setup>, body: string, authorization?: string) => {
  const res = await app.request(`/xrpc/${NSID.sendInteractions}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) } })
  return { status: res.status, body: (await res.json()) as { error?: string; message?: string } }
}

it('a signed-in viewer asks to see less of an author; their feed leaves the author out, carrying feedContext; anonymous requests are unchanged', async () => {
  const app = setup()
  const body = JSON.stringify({ interactions: [{ item: postUri(bob, 'b1'), event: REQUEST_LESS, feedContext: A.id }] })
  expect(await send(app, body, `Bearer ${await jwt(NSID.sendInteractions)}`)).toEqual({ status: 200, body: {} })
  const mine = await app.request(feedPath, { headers: { authorization: `Bearer ${await jwt(NSID.getFeedSkeleton)}` } })
  expect(await mine.json()).toEqual({ feed: [{ post: postUri(A.owner, 'o1'), feedContext: A.id }] })
  const anon = await app.request(feedPath)
  expect(((await anon.json()) as { feed: unknown[] }).feed).toHaveLength(2)
})

it.each([
  ['no token', '{"interactions":[]}', undefined, 401, 'AuthenticationRequired'],
  ['a token for another method', '{"interactions":[]}', NSID.getFeedSkeleton, 401, 'BadJwtLexiconMethod'],
  ['a body that is not JSON', '{', NSID.sendInteractions, 400, 'InvalidRequest'],
  ['a body without interactions', '{}', NSID.sendInteractions, 400, 'InvalidRequest'],
  ['a body over 64 KiB', JSON.stringify({ interactions: [], pad: 'x'.repeat(70_000) }), NSID.sendInteractions, 400, 'InvalidRequest'],
])('refuses %s', async (_n, body, lxm, status, error) => {
  const app = setup()
  const r = await send(app, body, lxm ? `Bearer ${await jwt(lxm)}` : undefined)
  expect(r.status).toBe(status)
  expect(r.body.error).toBe(error)
})
