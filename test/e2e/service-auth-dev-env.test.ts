/**
 * Service auth against the real thing: a token minted by @atproto/dev-env's PDS
 * (com.atproto.server.getServiceAuth), its issuer resolved through the dev-env PLC on localhost.
 */
import { TestNetworkNoAppView } from '@atproto/dev-env'
import type { AtpAgent } from '@atproto/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/app.js'
import type { JwtSignatureCheck } from '../../src/auth/jwt-signature.js'
import { ServiceAuthVerifier } from '../../src/auth/service-auth-verifier.js'
import { FeedService } from '../../src/core/feed-service.js'
import { silentLogger } from '../../src/core/logger.js'
import { NSID } from '../../src/core/nsid.js'
import { DEFAULT_FEED_MIX } from '../../src/core/records.js'
import { SqlStore } from '../../src/store/sql-store.js'
import { SqliteDriver } from '../../src/store/sqlite-driver.js'
import { applyInteractions, REQUEST_LESS } from '../../src/core/interactions.js'
import { Indexer } from '../../src/core/indexer.js'
import { US_PER_DAY } from '../../src/core/time.js'
import { community, configEvent, membershipEvent, postEvent, postUri } from '../support/events.js'
import { SIGNATURE_CHECKS, SIGNATURE_WORKER } from '../support/signature-checks.js'
import { hostSignatureCheck, verifierSignatures } from '../../src/node/native-signature.js'

const SERVICE = 'did:web:feeds.example.com'
const A = community('did:plc:owner', '3jzfcijpj2z2a')
const skeleton = `/xrpc/${NSID.getFeedSkeleton}?feed=${encodeURIComponent(`at://did:plc:publisher/app.bsky.feed.generator/${A.id}`)}`

let net: TestNetworkNoAppView
let agent: AtpAgent
let driver: SqliteDriver
let feeds: FeedService

beforeAll(async () => {
  net = await TestNetworkNoAppView.create({})
  agent = net.pds.getClient()
  await agent.createAccount({ handle: 'alice.test', email: 'alice@test.com', password: 'hunter22' })
  driver = new SqliteDriver(':memory:')
  const store = new SqlStore(driver)
  store.putConfig({ uri: A.uri, id: A.id, owner: A.owner, config: { name: 'A', hashtag: A.hashtag, stage: 'theme', feedMix: DEFAULT_FEED_MIX, moderators: [], createdAt: '2026-01-01T00:00:00Z' } })
  feeds = new FeedService({ store, serviceDid: SERVICE, minSortUs: () => 0 })
  expect(new URL(net.plc.url).hostname).toMatch(/^(localhost|127\.0\.0\.1)$/)
})

const appWith = (verifySignature: JwtSignatureCheck) =>
  createApp({ feeds, hostname: 'feeds.example.com', log: silentLogger, auth: new ServiceAuthVerifier({ serviceDid: SERVICE, plcUrl: net.plc.url, verifySignature }) })

afterAll(async () => {
  await SIGNATURE_WORKER.close()
  driver?.close()
  await net?.close()
})

const serviceToken = async (aud = SERVICE) => (await agent.com.atproto.server.getServiceAuth({ aud, lxm: NSID.getFeedSkeleton })).data.token
let app: ReturnType<typeof createApp>
const getSkeleton = async (token: string) => {
  const res = await app.request(skeleton, { headers: { authorization: `Bearer ${token}` } })
  return { status: res.status, body: (await res.json()) as { error?: string } }
}

/** Changes one base64url character in the middle of a JWT part (the last one may be padding bits). */
function tamper(token: string, part: 1 | 2): string {
  const parts = token.split('.')
  const s = parts[part]!
  const i = Math.floor(s.length / 2)
  parts[part] = s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1)
  return parts.join('.')
}

describe.each(SIGNATURE_CHECKS)('getFeedSkeleton with a real PDS service token (@atproto/dev-env), %s', (_name, check) => {
  beforeAll(() => {
    app = appWith(check)
  })

  it('accepts the token the PDS minted for this service', async () => {
    const r = await getSkeleton(await serviceToken())
    expect(r).toEqual({ status: 200, body: { feed: [] } })
  })

  it.each<[string, () => Promise<string>, string[]]>([
    ['a tampered payload', async () => tamper(await serviceToken(), 1), ['BadJwt', 'BadJwtSignature', 'BadJwtIss', 'BadJwtAudience', 'BadJwtLexiconMethod', 'JwtExpired']],
    ['a tampered signature', async () => tamper(await serviceToken(), 2), ['BadJwtSignature']],
    ['a token for another service', () => serviceToken('did:web:other.example.com'), ['BadJwtAudience']],
  ])('refuses %s with 401', async (_name, make, errors) => {
    const r = await getSkeleton(await make())
    expect(r.status).toBe(401)
    expect(errors).toContain(r.body.error)
  })

  it('refuses a payload re-encoded with a changed claim: the signature no longer matches', async () => {
    const [h, p, s] = (await serviceToken()).split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { exp: number }
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 3600 })).toString('base64url')}.${s}`
    expect(await getSkeleton(forged)).toMatchObject({ status: 401, body: { error: 'BadJwtSignature' } })
  })
})

// SPEC §12 with tokens the real PDS mints: "show less" from a signed-in viewer, then their personalized feed.
describe('sendInteractions with a real PDS service token', () => {
  it('the viewer asks to see less of an author and their feed leaves the author out', async () => {
    const d = new SqliteDriver(':memory:')
    const signatures = hostSignatureCheck()
    try {
      const store = new SqlStore(d)
      new Indexer({ store, log: silentLogger, retentionUs: 7 * US_PER_DAY }).applyBatch([
        configEvent(A), membershipEvent('did:plc:bob', 'm1', A), postEvent('did:plc:bob', 'b1', `hi ${A.hashtag}`), postEvent(A.owner, 'o1', `hi ${A.hashtag}`),
      ])
      const app = createApp({
        feeds: new FeedService({ store, serviceDid: SERVICE, minSortUs: () => 0 }), hostname: 'feeds.example.com', log: silentLogger,
        auth: new ServiceAuthVerifier({ serviceDid: SERVICE, plcUrl: net.plc.url, ...verifierSignatures(signatures) }),
        interactions: (viewer, items) => applyInteractions(store, viewer, items, Date.now() * 1000, 7 * US_PER_DAY),
      })
      const token = async (lxm: string) => (await agent.com.atproto.server.getServiceAuth({ aud: SERVICE, lxm })).data.token
      const sent = await app.request(`/xrpc/${NSID.sendInteractions}`, {
        method: 'POST', headers: { authorization: `Bearer ${await token(NSID.sendInteractions)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ interactions: [{ item: postUri('did:plc:bob', 'b1'), event: REQUEST_LESS, feedContext: A.id }] }),
      })
      expect(sent.status).toBe(200)
      const mine = await app.request(skeleton, { headers: { authorization: `Bearer ${await token(NSID.getFeedSkeleton)}` } })
      expect(await mine.json()).toEqual({ feed: [{ post: postUri(A.owner, 'o1'), feedContext: A.id }] })
    } finally {
      await signatures.close()
      d.close()
    }
  })
})
