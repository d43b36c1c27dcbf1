import { createServer as createHttpServer, type Server as HttpServer, type ServerResponse } from 'node:http'
import { createServer, type AddressInfo, type Server } from 'node:net'
import type { PrivateKeyExportable } from '@atcute/crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createKey, didDocument, FakePlc, signJwt } from '../../test/support/fake-plc.js'
import type { HostLookup } from '../auth/did-web-resolver.js'
import { ServiceAuthVerifier } from '../auth/service-auth-verifier.js'
import { pinnedFetch, RefusedAddressError } from './pinned-fetch.js'

// The verifier as the Node host builds it: did:web documents through the pinned fetch.
const SERVICE = 'did:web:feeds.example.com'
const LXM = 'app.bsky.feed.getFeedSkeleton'

let plc: FakePlc
let key: PrivateKeyExportable
let trap: Server
let trapPort = 0
let trapConnections = 0
let site: HttpServer
let sitePort = 0
let siteRequests = 0
let body: (res: ServerResponse) => void = (res) => res.end()
// What the webFetch handed the resolver, or the error it failed with.
const webFetches: { url: string; outcome: number | string }[] = []

const listen = async (server: Server | HttpServer) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

beforeAll(async () => {
  plc = await FakePlc.start()
  key = await createKey('k256')
  trap = createServer((socket) => {
    trapConnections++
    socket.destroy()
  })
  trapPort = await listen(trap)
  site = createHttpServer((req, res) => {
    siteRequests++
    if (req.url === '/.well-known/did.json') body(res)
    else res.writeHead(404).end()
  })
  sitePort = await listen(site)
})
afterAll(async () => {
  await plc.close()
  await new Promise((resolve) => trap.close(resolve))
  await new Promise((resolve) => site.close(resolve))
})
beforeEach(() => {
  trapConnections = 0
  siteRequests = 0
  webFetches.length = 0
})

function recorded(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    const url = String(input instanceof Request ? input.url : input)
    try {
      const res = await inner(input, init)
      webFetches.push({ url, outcome: res.status })
      return res
    } catch (e) {
      webFetches.push({ url, outcome: (e as Error).name })
      throw e
    }
  }
}

const verifier = (webFetch: typeof fetch, o: { allowLocalDidWeb?: boolean; lookupHost?: HostLookup } = {}) =>
  new ServiceAuthVerifier({ serviceDid: SERVICE, plcUrl: plc.url, webFetch: recorded(webFetch), ...o })

const tokenFrom = (iss: string) =>
  signJwt(
    key,
    { typ: 'JWT', alg: 'ES256K' },
    { iss, aud: SERVICE, exp: Math.floor(Date.now() / 1000) + 60, lxm: LXM },
  )

describe('did:web through the pinned fetch', () => {
  it('a name that rebinds to 127.0.0.1 after the pre-check is refused before any connection, with a 401', async () => {
    // Public to the first question (the verifier's lookupHost pre-check), loopback to every later one.
    let calls = 0
    const rebinding: HostLookup = async () => (calls++ === 0 ? ['93.184.216.34'] : ['127.0.0.1'])
    const v = verifier(pinnedFetch({ lookupHost: rebinding }), { lookupHost: rebinding })
    const result = await v.verify(await tokenFrom('did:web:rebind.example.com'), LXM)
    expect(result).toMatchObject({ ok: false, error: { error: 'AuthenticationRequired' } })
    // The fetch judged its own answer, once, and refused it in the socket's lookup: nothing connected.
    expect(calls).toBe(2)
    expect(webFetches).toEqual([
      { url: 'https://rebind.example.com/.well-known/did.json', outcome: RefusedAddressError.name },
    ])
  })

  describe('with allowLocalDidWeb and allowLocal (tests only)', () => {
    const local = () => verifier(pinnedFetch({ allowLocal: true }), { allowLocalDidWeb: true })
    const iss = () => `did:web:127.0.0.1%3A${sitePort}`

    it('accepts a token signed by the key of a did:web document served on 127.0.0.1', async () => {
      const doc = JSON.stringify(await didDocument(iss(), { atproto: key }))
      body = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(doc)
      expect(await local().verify(await tokenFrom(iss()), LXM)).toEqual({
        ok: true,
        value: { iss: iss(), did: iss() },
      })
      expect(webFetches).toEqual([{ url: `http://127.0.0.1:${sitePort}/.well-known/did.json`, outcome: 200 }])
      expect(siteRequests).toBe(1)
    })

    it.each([
      [10 * 1024, true],
      [64 * 1024, false],
    ])('a document of %i bytes, streamed without Content-Length: accepted %s', async (size, accepted) => {
      const doc = JSON.stringify({
        ...((await didDocument(iss(), { atproto: key })) as object),
        pad: 'a'.repeat(size),
      })
      body = (res) => {
        res.writeHead(200, { 'content-type': 'application/json' })
        for (let i = 0; i < doc.length; i += 4096) res.write(doc.slice(i, i + 4096))
        res.end()
      }
      expect((await local().verify(await tokenFrom(iss()), LXM)).ok).toBe(accepted)
    })

    it('does not follow a redirect to the trap', async () => {
      body = (res) =>
        res.writeHead(302, { location: `http://127.0.0.1:${trapPort}/.well-known/did.json` }).end()
      expect(await local().verify(await tokenFrom(iss()), LXM)).toMatchObject({
        ok: false,
        error: { error: 'AuthenticationRequired' },
      })
      expect(webFetches).toEqual([{ url: `http://127.0.0.1:${sitePort}/.well-known/did.json`, outcome: 302 }])
      expect(trapConnections).toBe(0)
    })
  })
})
