import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OAUTH_SCOPE } from '../../../src/core/web/client-config.js'
import { hydratePosts } from './hydrate.js'
import { IdentityResolver } from './identity.js'

// A stand-in AppView on a real socket: app.bsky.feed.getPosts for whatever it knows.
const known = new Map<string, { did: string; handle: string; text: string }>()
const requests: string[][] = []
let server: Server
let appviewUrl: string

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname !== '/xrpc/app.bsky.feed.getPosts') return void res.writeHead(404).end()
    const uris = url.searchParams.getAll('uris')
    requests.push(uris)
    const posts = uris.filter((u) => known.has(u)).map((uri) => {
      const p = known.get(uri)!
      return { uri, author: { did: p.did, handle: p.handle }, record: { text: p.text, createdAt: '2026-11-29T00:00:00.000Z' } }
    })
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ posts }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  appviewUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

const cfg = () => ({ serviceDid: 'did:web:x', hostname: 'x', plcUrl: 'http://127.0.0.1:9', handleResolverUrl: 'http://127.0.0.1:9', appviewUrl, bskyAppUrl: 'https://bsky.app', scope: OAUTH_SCOPE })
const uri = (i: number) => `at://did:plc:author${i % 3}/app.bsky.feed.post/3k${String(i).padStart(11, 'a')}`

describe('hydratePosts with an AppView', () => {
  it('asks in batches of 25, keeps the index order, and marks what the AppView does not have', async () => {
    requests.length = 0
    const uris = Array.from({ length: 60 }, (_, i) => uri(i))
    for (const [i, u] of uris.entries()) if (i !== 7) known.set(u, { did: `did:plc:author${i % 3}`, handle: `a${i % 3}.test`, text: `post ${i}` })
    const shown = await hydratePosts(cfg(), new IdentityResolver(cfg()), uris)
    expect(requests.map((r) => r.length)).toEqual([25, 25, 10])
    expect(shown.map((p) => p.uri)).toEqual(uris)
    expect(shown[0]).toEqual({ uri: uris[0], author: 'did:plc:author0', handle: 'a0.test', text: 'post 0', createdAt: '2026-11-29T00:00:00.000Z' })
    expect(shown[7]).toMatchObject({ uri: uris[7], author: 'did:plc:author1', missing: expect.stringContaining('not found') })
    expect(shown[7]).not.toHaveProperty('text')
  })

  it('an empty page asks nothing', async () => {
    requests.length = 0
    expect(await hydratePosts(cfg(), new IdentityResolver(cfg()), [])).toEqual([])
    expect(requests).toEqual([])
  })
})
