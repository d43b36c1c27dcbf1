import { createServiceJwt } from '@atcute/xrpc-server/auth'
import type { PrivateKeyExportable } from '@atcute/crypto'
import { Hono } from 'hono'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from './app.js'
import { serviceAuth, type AppEnv } from './service-auth.js'
import { XrpcError } from './xrpc-error.js'
import { ServiceAuthVerifier } from '../auth/service-auth-verifier.js'
import { FeedService } from '../core/feed-service.js'
import { silentLogger } from '../core/logger.js'
import { NSID } from '../core/nsid.js'
import { DEFAULT_FEED_MIX } from '../core/records.js'
import { SqlStore } from '../store/sql-store.js'
import { SqliteDriver } from '../store/sqlite-driver.js'
import { community } from '../../test/support/events.js'
import { createKey, didDocument, FakePlc, signJwt } from '../../test/support/fake-plc.js'

const SERVICE = 'did:web:feeds.example.com'
const ALICE = 'did:plc:alice000000000000000000'
const A = community('did:plc:owner', '3jzfcijpj2z2a')
const skeleton = `/xrpc/${NSID.getFeedSkeleton}?feed=${encodeURIComponent(`at://did:plc:publisher/app.bsky.feed.generator/${A.id}`)}`

let plc: FakePlc
let alice: PrivateKeyExportable
let mallory: PrivateKeyExportable
let driver: SqliteDriver
beforeAll(async () => {
  plc = await FakePlc.start()
  alice = await createKey('k256')
  mallory = await createKey('k256')
  plc.docs.set(ALICE, await didDocument(ALICE, { atproto: alice }))
})
afterAll(() => plc.close())
afterEach(() => driver?.close())

function setup(withAuth = true) {
  driver = new SqliteDriver(':memory:')
  const store = new SqlStore(driver)
  store.putConfig({ uri: A.uri, id: A.id, owner: A.owner, config: { name: 'A', hashtag: A.hashtag, stage: 'theme', feedMix: DEFAULT_FEED_MIX, moderators: [], createdAt: '2026-01-01T00:00:00Z' } })
  const feeds = new FeedService({ store, serviceDid: SERVICE, minSortUs: () => 0 })
  const auth = new ServiceAuthVerifier({ serviceDid: SERVICE, plcUrl: plc.url })
  return createApp({ feeds, hostname: 'feeds.example.com', log: silentLogger, ...(withAuth ? { auth } : {}) })
}

const now = () => Math.floor(Date.now() / 1000)
const token = (o: { key?: PrivateKeyExportable; iss?: string; aud?: string; lxm?: string; iat?: number } = {}) =>
  createServiceJwt({
    keypair: o.key ?? alice,
    issuer: (o.iss ?? ALICE) as `did:${string}:${string}`,
    audience: (o.aud ?? SERVICE) as `did:${string}:${string}`,
    lxm: (o.lxm ?? NSID.getFeedSkeleton) as `${string}.${string}.${string}`,
    issuedAt: o.iat ?? now(),
  })
const bearer = async (t: Promise<string> | string) => `Bearer ${await t}`

async function call(app: Hono<AppEnv>, path: string, authorization?: string) {
  const res = await app.request(path, authorization === undefined ? {} : { headers: { authorization } })
  return { status: res.status, body: (await res.json()) as { error?: string; message?: string }, challenge: res.headers.get('www-authenticate') }
}

describe('getFeedSkeleton service auth', () => {
  it.each<[string, () => Promise<string | undefined>]>([
    ['no Authorization header (anonymous)', async () => undefined],
    ['a valid token', () => bearer(token())],
  ])('200 for %s', async (_name, auth) => {
    expect((await call(setup(), skeleton, await auth())).status).toBe(200)
  })

  it.each<[string, () => Promise<string>, string]>([
    ['a forged token', () => bearer(token({ key: mallory })), 'BadJwtSignature'],
    ['an expired token', () => bearer(token({ iat: now() - 600 })), 'JwtExpired'],
    ['a wrong audience', () => bearer(token({ aud: 'did:web:other.example.com' })), 'BadJwtAudience'],
    ['a wrong lxm', () => bearer(token({ lxm: NSID.describeFeedGenerator })), 'BadJwtLexiconMethod'],
    ['a garbage token', async () => 'Bearer garbage', 'BadJwt'],
    ['an unsigned (alg none) token', () => signJwt(alice, { alg: 'none' }, { iss: ALICE, aud: SERVICE, exp: now() + 60, lxm: NSID.getFeedSkeleton }).then((t) => `Bearer ${t.slice(0, t.lastIndexOf('.') + 1)}`), 'BadJwt'],
    ['an unknown DID (PLC 404)', () => bearer(token({ iss: 'did:plc:nobody00000000000000000' })), 'AuthenticationRequired'],
    ['Basic credentials', async () => 'Basic dXNlcjpwYXNz', 'InvalidToken'],
    ['an empty header', async () => '', 'InvalidToken'],
  ])('401 for %s', async (_name, auth, error) => {
    const r = await call(setup(), skeleton, await auth())
    expect(r.status).toBe(401)
    expect(r.body).toMatchObject({ error })
    expect(typeof r.body.message).toBe('string')
    expect(r.challenge).toBe(`Bearer error="${error}"`)
  })

  it('answers a token verified before at once, with no promise (the verifier\'s tests hold it to its method and time)', async () => {
    const app = setup()
    const headers = { authorization: `Bearer ${await token()}` }
    const first = app.fetch(new Request(`http://x${skeleton}`, { headers }))
    expect(first).toBeInstanceOf(Promise)
    expect((await first).status).toBe(200)
    const again = app.fetch(new Request(`http://x${skeleton}`, { headers }))
    expect(again).toBeInstanceOf(Response)
    expect((again as Response).status).toBe(200)
  })

  it('leaves other methods alone, and ignores the header when no verifier is configured', async () => {
    expect((await call(setup(), `/xrpc/${NSID.describeFeedGenerator}`, 'Bearer garbage')).status).toBe(200)
    expect((await call(setup(false), skeleton, 'Bearer garbage')).status).toBe(200)
  })
})

describe('serviceAuth middleware', () => {
  const echo = () => {
    const app = new Hono<AppEnv>()
    app.use('/whoami', serviceAuth(new ServiceAuthVerifier({ serviceDid: SERVICE, plcUrl: plc.url }), NSID.getFeedSkeleton))
    app.get('/whoami', (c) => c.json({ requester: c.get('requester') ?? null }))
    app.onError((e) => (e instanceof XrpcError ? e.toResponse() : new Response('unexpected', { status: 500 })))
    return app
  }

  it('hands the verified requester to the handler, and nothing for an anonymous request', async () => {
    expect((await call(echo(), '/whoami', await bearer(token()))).body).toEqual({ requester: { iss: ALICE, did: ALICE } })
    expect((await call(echo(), '/whoami')).body).toEqual({ requester: null })
  })
})
