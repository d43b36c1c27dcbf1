import { afterEach, describe, expect, it } from 'vitest'
import { createApp } from './app.js'
import { silentLogger } from '../core/logger.js'
import { FeedService } from '../core/feed-service.js'
import { DEFAULT_FEED_MIX } from '../core/records.js'
import { community } from '../../test/support/events.js'
import { SqlStore } from '../store/sql-store.js'
import { SqliteDriver } from '../store/sqlite-driver.js'
import { SkeletonCache } from '../core/skeleton-cache.js'
import { localReads } from '../node/local-reads.js'
import { ServiceAuthVerifier } from '../auth/service-auth-verifier.js'

const A = community('did:plc:alice', '3jzfcijpj2z2a')
const feedUri = `at://did:plc:publisher/app.bsky.feed.generator/${A.id}`
const drivers: SqliteDriver[] = []
afterEach(() => drivers.splice(0).forEach((d) => d.close()))

let store: SqlStore

function setup(opts: { failing?: boolean; cache?: boolean; health?: () => Record<string, unknown> } = {}) {
  const driver = new SqliteDriver(':memory:')
  drivers.push(driver)
  store = new SqlStore(driver)
  store.putConfig({ uri: A.uri, id: A.id, owner: A.owner, config: { name: 'A', hashtag: A.hashtag, stage: 'theme', feedMix: DEFAULT_FEED_MIX, moderators: [], createdAt: '2026-01-01T00:00:00Z' } })
  for (let i = 0; i < 5; i++) store.putPost({ community: A.uri, uri: `at://did:plc:bob/app.bsky.feed.post/p${i}`, sortUs: 1000 + i, hidden: false })
  const cache = opts.cache ? { cache: new SkeletonCache({ maxEntries: 10 }) } : {}
  const feeds = new FeedService({ store, serviceDid: 'did:web:feeds.example.com', minSortUs: () => 0, ...cache })
  if (opts.failing) feeds.getFeedSkeleton = () => { throw new Error('secret database path /var/db') }
  // With the read routes and a verifier (never reached here: no request below carries a JWT), so
  // getPosts has its auth middleware in front.
  const reads = {
    reads: localReads(store, () => 0),
    auth: new ServiceAuthVerifier({ serviceDid: 'did:web:feeds.example.com', plcUrl: 'http://127.0.0.1:9' }),
  }
  return createApp({ feeds, hostname: 'feeds.example.com', log: silentLogger, ...reads, ...(opts.health ? { health: opts.health } : {}) })
}

const get = async (app: ReturnType<typeof setup>, path: string) => {
  const res = await app.request(path)
  return { status: res.status, body: (await res.json()) as any }
}
const skeleton = (params: string) => `/xrpc/app.bsky.feed.getFeedSkeleton?${params}`

describe('XRPC app', () => {
  it('serves a feed skeleton with a cursor that pages to the end', async () => {
    const app = setup()
    const first = await get(app, skeleton(`feed=${encodeURIComponent(feedUri)}&limit=3`))
    expect(first.status).toBe(200)
    expect(first.body.feed.map((f: { post: string }) => f.post.slice(-2))).toEqual(['p4', 'p3', 'p2'])
    const second = await get(app, skeleton(`feed=${encodeURIComponent(feedUri)}&limit=3&cursor=${first.body.cursor}`))
    expect(second.body).toEqual({ feed: [{ post: 'at://did:plc:bob/app.bsky.feed.post/p1' }, { post: 'at://did:plc:bob/app.bsky.feed.post/p0' }] })
  })

  it('answers a cached page with the same bytes, and sees a new post at once', async () => {
    const [plain, cached] = [setup(), setup({ cache: true })]
    const path = skeleton(`feed=${encodeURIComponent(feedUri)}&limit=3`)
    const text = async (app: ReturnType<typeof setup>) => (await app.request(path)).text()
    const expected = await text(plain)
    expect([await text(cached), await text(cached)]).toEqual([expected, expected])
    store.putPost({ community: A.uri, uri: 'at://did:plc:bob/app.bsky.feed.post/p9', sortUs: 2000, hidden: false })
    expect(JSON.parse(await text(cached)).feed[0]).toEqual({ post: 'at://did:plc:bob/app.bsky.feed.post/p9' })
  })

  it('defaults limit to 50', async () => {
    const r = await get(setup(), skeleton(`feed=${encodeURIComponent(feedUri)}`))
    expect(r.body.feed).toHaveLength(5)
    expect(r.body.cursor).toBeUndefined()
  })

  it.each([
    ['no feed', '', 'InvalidRequest'],
    ['limit 0', `feed=${encodeURIComponent(feedUri)}&limit=0`, 'InvalidRequest'],
    ['limit 101', `feed=${encodeURIComponent(feedUri)}&limit=101`, 'InvalidRequest'],
    ['limit not a number', `feed=${encodeURIComponent(feedUri)}&limit=ten`, 'InvalidRequest'],
    ['limit fractional', `feed=${encodeURIComponent(feedUri)}&limit=1.5`, 'InvalidRequest'],
    ['bad cursor', `feed=${encodeURIComponent(feedUri)}&cursor=garbage`, 'InvalidRequest'],
    ['malformed feed uri', 'feed=nonsense', 'InvalidRequest'],
    ['unknown community', `feed=${encodeURIComponent('at://did:plc:pub/app.bsky.feed.generator/ffffffff')}`, 'UnknownFeed'],
    ['rkey that is not an id', `feed=${encodeURIComponent('at://did:plc:pub/app.bsky.feed.generator/whats-hot')}`, 'UnknownFeed'],
  ])('400 for %s', async (_name, params, error) => {
    const r = await get(setup(), skeleton(params))
    expect(r.status).toBe(400)
    expect(r.body).toMatchObject({ error })
    expect(typeof r.body.message).toBe('string')
  })

  it('describes one feed per community', async () => {
    const r = await get(setup(), '/xrpc/app.bsky.feed.describeFeedGenerator')
    expect(r.body).toEqual({ did: 'did:web:feeds.example.com', feeds: [{ uri: `at://${A.owner}/app.bsky.feed.generator/${A.id}` }] })
  })

  it('serves the did:web document with the feed generator service', async () => {
    const r = await get(setup(), '/.well-known/did.json')
    expect(r.body).toEqual({
      '@context': ['https://www.w3.org/ns/did/v1'],
      id: 'did:web:feeds.example.com',
      service: [{ id: '#bsky_fg', type: 'BskyFeedGenerator', serviceEndpoint: 'https://feeds.example.com' }],
    })
  })

  it('answers 503 with the problems when the host reports any, 200 otherwise', async () => {
    const problems: string[] = []
    const app = setup({ health: () => ({ cursor: 5, ...(problems.length > 0 ? { problems } : {}) }) })
    expect(await get(app, '/xrpc/_health')).toMatchObject({ status: 200, body: { status: 'ok', cursor: 5 } })
    problems.push('stream lag 400 s is above 300 s')
    expect(await get(app, '/xrpc/_health')).toMatchObject({ status: 503, body: { status: 'unhealthy', problems: ['stream lag 400 s is above 300 s'], cursor: 5 } })
  })

  it('answers health, unknown methods and unknown paths in XRPC shape', async () => {
    const app = setup()
    expect((await get(app, '/xrpc/_health')).body).toMatchObject({ status: 'ok' })
    expect(await get(app, '/xrpc/com.example.nothing')).toMatchObject({ status: 501, body: { error: 'MethodNotImplemented' } })
    expect(await get(app, '/nope')).toMatchObject({ status: 404, body: { error: 'NotFound' } })
  })

  it('answers paths below a method, and the bare prefix, as not found', async () => {
    const app = setup()
    expect(await get(app, '/xrpc/com.example.nothing/deeper')).toMatchObject({ status: 404, body: { error: 'NotFound' } })
    expect(await get(app, '/xrpc/')).toMatchObject({ status: 404, body: { error: 'NotFound' } })
  })

  const send = async (method: string, path: string) => {
    const res = await setup().request(path, { method })
    return { status: res.status, allow: res.headers.get('allow'), body: (await res.json()) as unknown }
  }
  // getPosts requires a JWT: the wrong verb must be refused before its auth middleware asks for one.
  it.each([
    ['POST', skeleton(`feed=${encodeURIComponent(feedUri)}`)],
    ['PUT', '/xrpc/_health'],
    ['DELETE', '/xrpc/net.atrarium.community.getCommunity?community=x'],
    ['PATCH', '/xrpc/app.bsky.feed.describeFeedGenerator'],
    ['OPTIONS', '/xrpc/app.bsky.feed.getFeedSkeleton'],
    ['POST', '/xrpc/net.atrarium.community.getPosts'],
    ['PROPFIND', '/xrpc/net.atrarium.community.listCommunities'],
  ])('405 with Allow for %s on the query %s', async (method, path) => {
    expect(await send(method, path)).toEqual({
      status: 405,
      allow: 'GET, HEAD',
      body: { error: 'InvalidRequest', message: `Incorrect HTTP method (${method}) expected GET` },
    })
  })

  it.each(['GET', 'POST', 'DELETE', 'PROPFIND'])('501 for an unknown method asked with %s', async (method) => {
    expect(await send(method, '/xrpc/com.example.nothing')).toEqual({
      status: 501,
      allow: null,
      body: { error: 'MethodNotImplemented', message: 'method not implemented: com.example.nothing' },
    })
  })

  it('answers a wrong verb outside /xrpc/ as not found', async () => {
    expect(await send('POST', '/.well-known/did.json')).toMatchObject({ status: 404, body: { error: 'NotFound' } })
  })

  it.each([skeleton(`feed=${encodeURIComponent(feedUri)}`), '/xrpc/_health', '/xrpc/net.atrarium.community.listCommunities'])(
    'serves HEAD on %s with the GET status and no body',
    async (path) => {
      const res = await setup().request(path, { method: 'HEAD' })
      expect(res.status).toBe(200)
      expect(await res.text()).toBe('')
    },
  )

  it('a 500 does not leak internals', async () => {
    const r = await get(setup({ failing: true }), skeleton(`feed=${encodeURIComponent(feedUri)}`))
    expect(r).toEqual({ status: 500, body: { error: 'InternalServerError', message: 'Internal Server Error' } })
  })
})
