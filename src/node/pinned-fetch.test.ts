import { once } from 'node:events'
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { HostLookup } from '../auth/did-web-resolver.js'
import { pinnedFetch, RefusedAddressError } from './pinned-fetch.js'

// A TCP server that must never be connected to.
let trap: Server
let trapPort = 0
let trapConnections = 0
// An http server that records where every request came in, and answers as `answer` says.
let site: HttpServer
let sitePort = 0
const seen: { host: string | undefined; local: string | undefined; path: string | undefined }[] = []
let answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('ok')
// On 127.0.0.2 and the site's port: where a second lookup answering 127.0.0.2 would connect.
let rebound: Server
let reboundConnections = 0

const listen = async (server: Server | HttpServer, host: string, port = 0) => {
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve))
  return (server.address() as AddressInfo).port
}
const close = (server: Server | HttpServer) => new Promise((resolve) => server.close(resolve))

beforeAll(async () => {
  trap = createServer((socket) => {
    trapConnections++
    socket.destroy()
  })
  trapPort = await listen(trap, '127.0.0.1')
  site = createHttpServer((req, res) => {
    seen.push({ host: req.headers.host, local: req.socket.localAddress, path: req.url })
    answer(req, res)
  })
  sitePort = await listen(site, '127.0.0.1')
  rebound = createServer((socket) => {
    reboundConnections++
    socket.destroy()
  })
  await listen(rebound, '127.0.0.2', sitePort)
})
afterAll(async () => {
  site.closeAllConnections()
  await Promise.all([close(trap), close(site), close(rebound)])
})
beforeEach(() => {
  trapConnections = 0
  reboundConnections = 0
  seen.length = 0
  answer = (_req, res) => res.end('ok')
})

/** A lookup answering from a script, one answer per call (the last one repeated), recording each. */
function scriptedLookup(
  ...answers: string[][]
): HostLookup & { calls: { host: string; answered: string[] }[] } {
  const calls: { host: string; answered: string[] }[] = []
  const lookup = async (host: string) => {
    const answered = answers[Math.min(calls.length, answers.length - 1)]!
    calls.push({ host, answered })
    return answered
  }
  return Object.assign(lookup, { calls })
}

describe('pinnedFetch', () => {
  it('connects to the address its one lookup approved, and keeps the name for the Host header', async () => {
    // A rebinding resolver: 127.0.0.1 first, 127.0.0.2 ever after. Only a second lookup could reach 127.0.0.2.
    const lookup = scriptedLookup(['127.0.0.1'], ['127.0.0.2'])
    const fetchPinned = pinnedFetch({ lookupHost: lookup, allowLocal: true })
    const res = await fetchPinned(`http://did.test:${sitePort}/.well-known/did.json`)
    expect(await res.text()).toBe('ok')
    expect(lookup.calls).toEqual([{ host: 'did.test', answered: ['127.0.0.1'] }])
    expect(seen).toEqual([
      { host: `did.test:${sitePort}`, local: '127.0.0.1', path: '/.well-known/did.json' },
    ])
    expect(reboundConnections).toBe(0)
    // The next fetch asks again, once, and goes where that answer says (127.0.0.2 hangs up on it).
    await expect(fetchPinned(`http://did.test:${sitePort}/.well-known/did.json`)).rejects.toThrow()
    expect(lookup.calls.length).toBe(2)
    expect(reboundConnections).toBe(1)
    expect(seen.length).toBe(1)
  })

  it('a name answering a public address to a pre-check and 127.0.0.1 to the fetch is refused before connecting', async () => {
    // The race global fetch lost: whatever an earlier check was told, the fetch judges its own answer.
    const lookup = scriptedLookup(['93.184.216.34'], ['127.0.0.1'])
    expect(await lookup('rebind.test')).toEqual(['93.184.216.34'])
    const fetchPinned = pinnedFetch({ lookupHost: lookup })
    await expect(fetchPinned(`http://rebind.test:${trapPort}/.well-known/did.json`)).rejects.toBeInstanceOf(
      RefusedAddressError,
    )
    expect(lookup.calls).toEqual([
      { host: 'rebind.test', answered: ['93.184.216.34'] },
      { host: 'rebind.test', answered: ['127.0.0.1'] },
    ])
    expect(trapConnections).toBe(0)
  })

  it.each<[string, string[]]>([
    ['one public and one loopback address', ['93.184.216.34', '127.0.0.1']],
    ['one loopback and one public address', ['127.0.0.1', '93.184.216.34']],
    ['the metadata address', ['169.254.169.254']],
    ['IPv4-mapped loopback', ['::ffff:127.0.0.1']],
    ['IPv6 loopback', ['::1']],
    ['no address', []],
  ])('refuses a name resolving to %s, with no connection', async (_name, addresses) => {
    const lookup = scriptedLookup(addresses)
    await expect(pinnedFetch({ lookupHost: lookup })(`http://evil.test:${trapPort}/`)).rejects.toBeInstanceOf(
      RefusedAddressError,
    )
    expect(lookup.calls.length).toBe(1)
    expect(trapConnections).toBe(0)
  })

  it('fails when the name does not resolve', async () => {
    const lookup: HostLookup = async (host) => {
      throw new Error(`ENOTFOUND ${host}`)
    }
    await expect(pinnedFetch({ lookupHost: lookup })(`http://nowhere.test:${trapPort}/`)).rejects.toThrow(
      'ENOTFOUND nowhere.test',
    )
    expect(trapConnections).toBe(0)
  })

  it.each([`http://127.0.0.1:TRAP/`, `http://[::1]:TRAP/`, `http://169.254.169.254/`])(
    'refuses the IP literal %s without a lookup',
    async (url) => {
      const lookup = scriptedLookup(['93.184.216.34'])
      await expect(
        pinnedFetch({ lookupHost: lookup })(url.replace('TRAP', String(trapPort))),
      ).rejects.toBeInstanceOf(RefusedAddressError)
      expect(lookup.calls).toEqual([])
      expect(trapConnections).toBe(0)
    },
  )

  it('returns a redirect as is, without following it', async () => {
    answer = (_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${trapPort}/` }).end('moved')
    const res = await pinnedFetch({ lookupHost: scriptedLookup(['127.0.0.1']), allowLocal: true })(
      `http://did.test:${sitePort}/`,
    )
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(`http://127.0.0.1:${trapPort}/`)
    expect(res.body).toBeNull()
    expect(trapConnections).toBe(0)
  })

  it('streams the body: a chunk is readable before the server ends, and cancelling closes the connection', async () => {
    let serverSide: ServerResponse | undefined
    answer = (_req, res) => {
      serverSide = res
      res.writeHead(200, { 'content-type': 'application/json' }).write('{"first":')
    }
    const res = await pinnedFetch({ lookupHost: scriptedLookup(['127.0.0.1']), allowLocal: true })(
      `http://did.test:${sitePort}/`,
    )
    const reader = res.body!.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('{"first":')
    const closed = once(serverSide!, 'close')
    await reader.cancel()
    await closed
  })

  it('passes the accept header and status through', async () => {
    answer = (req, res) =>
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`accept: ${req.headers.accept}`)
    const res = await pinnedFetch({ lookupHost: scriptedLookup(['127.0.0.1']), allowLocal: true })(
      `http://did.test:${sitePort}/`,
      {
        headers: { accept: 'application/did+json' },
      },
    )
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toBe('text/plain')
    expect(await res.text()).toBe('accept: application/did+json')
  })

  it('fetches only with GET', async () => {
    const fetchPinned = pinnedFetch({ lookupHost: scriptedLookup(['127.0.0.1']), allowLocal: true })
    await expect(fetchPinned(`http://did.test:${sitePort}/`, { method: 'POST' })).rejects.toThrow('only GET')
    expect(seen).toEqual([])
  })

  describe('against a server that accepts and never answers', () => {
    let silent: Server
    let silentPort = 0
    const sockets: Socket[] = []
    let accepted: Promise<Socket[]>
    beforeAll(async () => {
      silent = createServer((socket) => {
        sockets.push(socket)
        socket.resume()
      })
      silentPort = await listen(silent, '127.0.0.1')
    })
    afterAll(async () => {
      for (const s of sockets) s.destroy()
      await close(silent)
    })
    beforeEach(() => {
      accepted = once(silent, 'connection') as Promise<Socket[]>
    })

    it("the caller's signal cuts the connection", async () => {
      const controller = new AbortController()
      const pending = pinnedFetch({ lookupHost: scriptedLookup(['127.0.0.1']), allowLocal: true })(
        `http://did.test:${silentPort}/`,
        {
          signal: controller.signal,
        },
      )
      const [socket] = await accepted
      const closed = once(socket!, 'close')
      controller.abort(new Error('given up'))
      await expect(pending).rejects.toThrow('given up')
      await closed
    })

    it('the timeout cuts the connection', async () => {
      const pending = pinnedFetch({
        lookupHost: scriptedLookup(['127.0.0.1']),
        allowLocal: true,
        timeoutMs: 50,
      })(`http://did.test:${silentPort}/`)
      const [socket] = await accepted
      const closed = once(socket!, 'close')
      await expect(pending).rejects.toMatchObject({ name: 'TimeoutError' })
      await closed
    })

    it('an already aborted signal makes no connection', async () => {
      const lookup = scriptedLookup(['127.0.0.1'])
      const pending = pinnedFetch({ lookupHost: lookup, allowLocal: true })(
        `http://did.test:${silentPort}/`,
        { signal: AbortSignal.abort() },
      )
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' })
      expect(lookup.calls).toEqual([])
    })
  })
})
