import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer, type Server } from 'node:net'
import type { AddressInfo } from 'node:net'
import type { PrivateKeyExportable } from '@atcute/crypto'
import { Hono } from 'hono'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { serviceAuth, type AppEnv } from '../api/service-auth.js'
import { XrpcError } from '../api/xrpc-error.js'
import { createKey, didDocument, FakePlc, signJwt } from '../../test/support/fake-plc.js'
import { ServiceAuthVerifier, type ServiceAuthVerifierOptions } from './service-auth-verifier.js'

const SERVICE = 'did:web:feeds.example.com'
const LXM = 'app.bsky.feed.getFeedSkeleton'

// A TCP server that must never be connected to: every refused issuer below points at it.
let trap: Server
let trapPort = 0
let trapConnections = 0
let plc: FakePlc
let key: PrivateKeyExportable
const fetched: string[] = []
const looked: string[] = []
// Addresses the injected DNS lookup answers, as a resolver under an attacker's control would.
const DNS: Record<string, string[]> = {
  'rebind.example.com': ['127.0.0.1'],
  'metadata.example.com': ['169.254.169.254'],
  'mixed.example.com': ['93.184.216.34', '10.0.0.7'],
  'mapped.example.com': ['::ffff:127.0.0.1'],
  'ula.example.com': ['fd00::1'],
  'empty.example.com': [],
  'web.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
}

beforeAll(async () => {
  trap = createServer((socket) => {
    trapConnections++
    socket.destroy()
  })
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve))
  trapPort = (trap.address() as AddressInfo).port
  plc = await FakePlc.start()
  key = await createKey('k256')
})
afterAll(async () => {
  await new Promise((resolve) => trap.close(resolve))
  await plc.close()
})
beforeEach(() => {
  trapConnections = 0
  fetched.length = 0
  looked.length = 0
})

const options = (o: Partial<ServiceAuthVerifierOptions> = {}): ServiceAuthVerifierOptions => ({
  serviceDid: SERVICE,
  plcUrl: plc.url,
  // The real fetch (through the fake PLC for *.example.com), recorded: a refused issuer must reach neither.
  fetch: (input, init) => {
    fetched.push(String(input instanceof Request ? input.url : input))
    return plc.fetch(input, init)
  },
  lookupHost: async (host) => {
    looked.push(host)
    const addresses = DNS[host]
    if (!addresses) throw new Error(`ENOTFOUND ${host}`)
    return addresses
  },
  ...o,
})

function app(verifier: ServiceAuthVerifier) {
  const a = new Hono<AppEnv>()
  a.use('/whoami', serviceAuth(verifier, LXM))
  a.get('/whoami', (c) => c.json({ requester: c.get('requester') ?? null }))
  a.onError((e) => (e instanceof XrpcError ? e.toResponse() : new Response('unexpected', { status: 500 })))
  return a
}

const tokenFrom = (iss: string, signer = key) => signJwt(signer, { typ: 'JWT', alg: 'ES256K' }, { iss, aud: SERVICE, exp: Math.floor(Date.now() / 1000) + 60, lxm: LXM })

async function call(a: Hono<AppEnv>, token: string) {
  const res = await a.request('/whoami', { headers: { authorization: `Bearer ${token}` } })
  return { status: res.status, error: ((await res.json()) as { error?: string }).error }
}

describe('did:web resolution cannot be aimed', () => {
  it.each<[string, (port: number) => string, string]>([
    ['the trap, by port', (p) => `did:web:127.0.0.1%3A${p}`, 'AuthenticationRequired'],
    ['a path, %2F', (p) => `did:web:127.0.0.1%3A${p}%2Fadmin`, 'AuthenticationRequired'],
    ['a query, %3F', (p) => `did:web:127.0.0.1%3A${p}%2Fx%3Fy`, 'AuthenticationRequired'],
    ['a fragment, %23', (p) => `did:web:127.0.0.1%3A${p}%23x`, 'AuthenticationRequired'],
    ['userinfo, %40', (p) => `did:web:user%40127.0.0.1%3A${p}`, 'AuthenticationRequired'],
    ['a query with =, not even a DID', (p) => `did:web:127.0.0.1%3A${p}%3Fa=b`, 'BadJwtIss'],
    ['did:web path segments', (p) => `did:web:127.0.0.1%3A${p}:user:alice`, 'AuthenticationRequired'],
    ['localhost', (p) => `did:web:localhost%3A${p}`, 'AuthenticationRequired'],
    ['localhost, default port', () => 'did:web:localhost', 'AuthenticationRequired'],
    ['IPv6 loopback', (p) => `did:web:%5B::1%5D%3A${p}`, 'AuthenticationRequired'],
    ['cloud metadata', () => 'did:web:169.254.169.254', 'AuthenticationRequired'],
    ['loopback, default port', () => 'did:web:127.0.0.1', 'AuthenticationRequired'],
    ['loopback as 127.1', () => 'did:web:127.1', 'AuthenticationRequired'],
    ['loopback in hex', () => 'did:web:0x7f.0.0.1', 'AuthenticationRequired'],
    ['a private address', () => 'did:web:10.0.0.1', 'AuthenticationRequired'],
    ['CGNAT', () => 'did:web:100.64.1.1', 'AuthenticationRequired'],
    ['a name resolving to 127.0.0.1', () => 'did:web:rebind.example.com', 'AuthenticationRequired'],
    ['a name resolving to the metadata address', () => 'did:web:metadata.example.com', 'AuthenticationRequired'],
    ['a name with one public and one private address', () => 'did:web:mixed.example.com', 'AuthenticationRequired'],
    ['a name resolving to IPv4-mapped loopback', () => 'did:web:mapped.example.com', 'AuthenticationRequired'],
    ['a name resolving to a unique-local address', () => 'did:web:ula.example.com', 'AuthenticationRequired'],
    ['a name with no address', () => 'did:web:empty.example.com', 'AuthenticationRequired'],
    ['a name that does not resolve', () => 'did:web:nowhere.example.com', 'AuthenticationRequired'],
  ])('refuses %s with a 401 and no connection', async (_name, issuer, error) => {
    const iss = issuer(trapPort)
    expect(await call(app(new ServiceAuthVerifier(options())), await tokenFrom(iss))).toEqual({ status: 401, error })
    expect(trapConnections).toBe(0)
    expect(fetched).toEqual([])
    // Only names are looked up; IP literals and malformed hosts are refused before any lookup.
    expect(looked.every((host) => host.endsWith('.example.com'))).toBe(true)
  })

  it('resolves a name whose addresses are all public', async () => {
    plc.docs.set('did:web:web.example.com', await didDocument('did:web:web.example.com', { atproto: key }))
    expect(await call(app(new ServiceAuthVerifier(options())), await tokenFrom('did:web:web.example.com'))).toEqual({ status: 200, error: undefined })
    expect(looked).toEqual(['web.example.com'])
    expect(fetched).toEqual(['https://web.example.com/.well-known/did.json'])
  })

  describe('with allowLocalDidWeb (tests only)', () => {
    let site: HttpServer
    let sitePort = 0
    let body: (res: import('node:http').ServerResponse) => void = (res) => res.end()
    beforeAll(async () => {
      site = createHttpServer((req, res) => (req.url === '/.well-known/did.json' ? body(res) : res.writeHead(404).end()))
      await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve))
      sitePort = (site.address() as AddressInfo).port
    })
    afterAll(() => new Promise((resolve) => site.close(resolve)))
    const local = () => new ServiceAuthVerifier(options({ fetch: globalThis.fetch, allowLocalDidWeb: true }))

    it('resolves a did:web served on 127.0.0.1 over http', async () => {
      const iss = `did:web:127.0.0.1%3A${sitePort}`
      const doc = JSON.stringify(await didDocument(iss, { atproto: key }))
      body = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(doc)
      expect(await local().verify(await tokenFrom(iss), LXM)).toEqual({ ok: true, value: { iss, did: iss } })
      expect(looked).toEqual([])
    })

    it.each([
      [10 * 1024, true],
      [64 * 1024, false],
    ])('a document of %i bytes, streamed without Content-Length: accepted %s', async (size, accepted) => {
      const iss = `did:web:127.0.0.1%3A${sitePort}`
      const doc = JSON.stringify({ ...((await didDocument(iss, { atproto: key })) as object), pad: 'a'.repeat(size) })
      body = (res) => {
        res.writeHead(200, { 'content-type': 'application/json' })
        for (let i = 0; i < doc.length; i += 4096) res.write(doc.slice(i, i + 4096))
        res.end()
      }
      expect((await local().verify(await tokenFrom(iss), LXM)).ok).toBe(accepted)
    })

    it('the trap does see a connection when a did:web is allowed to reach it', async () => {
      expect((await local().verify(await tokenFrom(`did:web:127.0.0.1%3A${trapPort}`), LXM)).ok).toBe(false)
      expect(trapConnections).toBeGreaterThan(0)
    })

    it('still refuses an encoded path or query', async () => {
      for (const iss of [`did:web:127.0.0.1%3A${trapPort}%2Fx`, `did:web:127.0.0.1%3A${trapPort}%23x`]) {
        expect(await local().verify(await tokenFrom(iss), LXM)).toMatchObject({ ok: false, error: { error: 'AuthenticationRequired' } })
      }
      expect(trapConnections).toBe(0)
    })
  })
})
