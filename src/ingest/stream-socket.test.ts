import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocketServer, type ServerOptions, type WebSocket } from 'ws'
import { WANTED_COLLECTIONS } from '../core/nsid.js'
import { buildUrl, type JetstreamUrlOptions } from './jetstream-url.js'
import { StreamSocket, type StreamSocketOptions } from './stream-socket.js'
import { Inbox, withTimeout } from '../../test/support/async.js'

const MiB = 1024 * 1024

interface Conn {
  ws: WebSocket
  url: URL
  pings: Inbox<Buffer>
  closed: Promise<unknown[]>
}

const servers: WebSocketServer[] = []
const clients: StreamSocket<string>[] = []

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => withTimeout(c.close(), 'client close')))
  for (const wss of servers.splice(0)) {
    for (const ws of wss.clients) ws.terminate()
    await withTimeout(new Promise((resolve) => wss.close(resolve)), 'server close')
  }
})

async function startServer(opts: Omit<ServerOptions, 'port' | 'host'> = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...opts })
  servers.push(wss)
  await withTimeout(once(wss, 'listening'), 'server listening')
  const conns = new Inbox<Conn>()
  wss.on('connection', (ws, req) => {
    const pings = new Inbox<Buffer>()
    ws.on('ping', pings.push)
    conns.push({ ws, url: new URL(req.url ?? '/', 'ws://x'), pings, closed: once(ws, 'close') })
  })
  const { port } = wss.address() as AddressInfo
  return { wss, port, url: `ws://127.0.0.1:${port}/subscribe`, conns }
}

function recordingLog() {
  const lines = new Inbox<{ level: 'info' | 'warn'; obj: Record<string, unknown>; msg?: string }>()
  return {
    lines,
    log: {
      info: (obj: object, msg?: string) => lines.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
      warn: (obj: object, msg?: string) => lines.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
    },
  }
}

type ClientOptions = Partial<StreamSocketOptions<string>> & Partial<Omit<JetstreamUrlOptions, 'url'>>

/** The socket as Jetstream uses it: text frames and Jetstream's subscribe URL. */
function makeClient(url: string, overrides: ClientOptions = {}) {
  const messages = new Inbox<string>()
  const { log, lines } = recordingLog()
  const { wantedCollections = WANTED_COLLECTIONS, rewindUs, maxMessageSizeBytes = MiB, ...socket } = overrides
  const urlOpts = { url, wantedCollections, maxMessageSizeBytes, ...(rewindUs === undefined ? {} : { rewindUs }) }
  const client = new StreamSocket<string>({
    name: 'jetstream',
    url: (cursor) => buildUrl(urlOpts, cursor),
    fromWire: (data) => data.toString('utf8'),
    maxMessageBytes: maxMessageSizeBytes,
    getCursor: () => undefined,
    onMessage: messages.push,
    log,
    backoff: { baseMs: 5, maxMs: 20 },
    watchdog: { pingIntervalMs: 50, silenceMs: 60_000 },
    ...socket,
  })
  clients.push(client)
  return { client, messages, logs: lines }
}

describe('StreamSocket', () => {
  it('buildUrl uses the configured options', () => {
    const base = 'wss://jetstream.example/subscribe'
    const { client } = makeClient(base, { wantedCollections: ['a.b.c'], rewindUs: 10, maxMessageSizeBytes: 64 })
    const want = `${base}?wantedCollections=a.b.c&maxMessageSizeBytes=64&cursor=100`
    expect(client.buildUrl(110)).toBe(want)
    expect(buildUrl({ url: base, wantedCollections: ['a.b.c'], rewindUs: 10, maxMessageSizeBytes: 64 }, 110)).toBe(want)
  })

  it('subscribes with the right query, delivers in order, and resumes from a rewound cursor', async () => {
    const srv = await startServer()
    let cursor: number | undefined
    const { client, messages, logs } = makeClient(`${srv.url}?requireHello=false`, {
      getCursor: () => cursor,
      onMessage: (raw) => {
        messages.push(raw)
        cursor = (JSON.parse(raw) as { time_us: number }).time_us
      },
    })
    client.start()
    const [first] = await srv.conns.atLeast(1, 'first connection')
    expect(first!.url.pathname).toBe('/subscribe')
    expect(first!.url.searchParams.getAll('wantedCollections')).toEqual([...WANTED_COLLECTIONS])
    expect(first!.url.searchParams.get('maxMessageSizeBytes')).toBe(String(MiB))
    expect(first!.url.searchParams.get('requireHello')).toBe('false')
    expect(first!.url.searchParams.has('cursor')).toBe(false)

    for (const t of [10_000_001, 10_000_002, 10_000_003]) first!.ws.send(JSON.stringify({ time_us: t }))
    first!.ws.send(Buffer.from(JSON.stringify({ time_us: 10_000_004, text: 'héllo' })), { binary: true })
    const got = await messages.atLeast(4, 'first messages')
    expect(got.map((m) => JSON.parse(m) as unknown)).toEqual([
      { time_us: 10_000_001 },
      { time_us: 10_000_002 },
      { time_us: 10_000_003 },
      { time_us: 10_000_004, text: 'héllo' },
    ])

    first!.ws.terminate()
    const [, second] = await srv.conns.atLeast(2, 'reconnection')
    expect(second!.url.searchParams.get('cursor')).toBe(String(10_000_004 - 5_000_000))
    expect(second!.url.searchParams.getAll('wantedCollections')).toEqual([...WANTED_COLLECTIONS])
    second!.ws.send(JSON.stringify({ time_us: 10_000_005 }))
    await messages.atLeast(5, 'message after reconnect')
    expect(client.stats).toEqual({ connects: 2, disconnects: 1, messages: 5, oversized: 0 })

    const connected = logs.items.filter((l) => l.msg === 'jetstream connected')
    expect(connected.map((l) => l.obj)).toEqual([
      { url: srv.url, cursor: undefined },
      { url: srv.url, cursor: 10_000_004 },
    ])
    expect(logs.items.some((l) => l.msg === 'jetstream disconnected')).toBe(true)
  })

  it('drops frames over maxMessageSizeBytes unparsed and keeps the connection', async () => {
    const srv = await startServer()
    const { client, messages, logs } = makeClient(srv.url)
    client.start()
    const [conn] = await srv.conns.atLeast(1, 'connection')
    // Exactly at the limit passes; 2 MiB is over our limit yet under ws maxPayload, so it must not
    // close the socket (which would make the client loop on the same frame).
    conn!.ws.send('a'.repeat(MiB))
    conn!.ws.send('b'.repeat(2 * MiB))
    conn!.ws.send(Buffer.alloc(MiB + 1, 0xff), { binary: true })
    conn!.ws.send('next')
    const got = await messages.atLeast(2, 'frames around the oversized ones')
    expect(got.map((m) => m.length)).toEqual([MiB, 4])
    expect(got[1]).toBe('next')
    expect(client.stats).toMatchObject({ connects: 1, disconnects: 0, messages: 2, oversized: 2 })
    expect(logs.items.filter((l) => l.level === 'warn').map((l) => l.obj.size)).toEqual([2 * MiB, MiB + 1])
    expect(conn!.ws.readyState).toBe(conn!.ws.OPEN)
  })

  it('delivers a text frame with bad UTF-8 decoded, and keeps the connection', async () => {
    const srv = await startServer()
    const { client, messages } = makeClient(srv.url)
    client.start()
    const [conn] = await srv.conns.atLeast(1, 'connection')
    // Closing on it (ws's 1007) would meet the same frame again after every reconnect.
    conn!.ws.send(Buffer.from([0x7b, 0xff, 0x7d]), { binary: false })
    conn!.ws.send('next')
    expect(await messages.atLeast(2, 'both frames')).toEqual(['{\ufffd}', 'next'])
    expect(client.stats).toMatchObject({ connects: 1, disconnects: 0 })
  })

  it('logs a throwing onMessage and carries on with the next message', async () => {
    const srv = await startServer()
    const { client, messages, logs } = makeClient(srv.url, {
      onMessage: (raw) => {
        if (raw === 'bad') throw new Error('consumer bug')
        messages.push(raw)
      },
    })
    client.start()
    const [conn] = await srv.conns.atLeast(1, 'connection')
    conn!.ws.send('bad')
    conn!.ws.send('good')
    expect(await messages.atLeast(1, 'good')).toEqual(['good'])
    expect(logs.items.some((l) => l.level === 'warn' && (l.obj.err as Error | undefined)?.message === 'consumer bug')).toBe(true)
    expect(client.stats.disconnects).toBe(0)
  })

  it('terminates and reconnects when the server stops answering pings', async () => {
    const srv = await startServer({ autoPong: false })
    const { client, logs } = makeClient(srv.url, { watchdog: { pingIntervalMs: 50, silenceMs: 200 } })
    client.start()
    const [first] = await srv.conns.atLeast(2, 'reconnection after silence')
    await withTimeout(first!.closed, 'first connection closed')
    expect(logs.items.some((l) => l.level === 'warn' && /silent/.test(l.msg ?? ''))).toBe(true)
  })

  it('keeps a quiet connection whose pongs arrive', async () => {
    const srv = await startServer()
    const { client } = makeClient(srv.url, { watchdog: { pingIntervalMs: 50, silenceMs: 200 } })
    client.start()
    const [conn] = await srv.conns.atLeast(1, 'connection')
    // 8 pings span ~400 ms, twice the silence window.
    await conn!.pings.atLeast(8, 'pings')
    expect(srv.conns.length).toBe(1)
    expect(conn!.ws.readyState).toBe(conn!.ws.OPEN)
    expect(client.stats.disconnects).toBe(0)
  })

  it('does not treat silence while paused as death, and watches again after resume', async () => {
    const srv = await startServer({ autoPong: false })
    const { client } = makeClient(srv.url, { watchdog: { pingIntervalMs: 50, silenceMs: 200 } })
    client.pause()
    client.start()
    const [conn] = await srv.conns.atLeast(1, 'connection')
    await conn!.pings.atLeast(8, 'pings while paused')
    expect(srv.conns.length).toBe(1)
    expect(conn!.ws.readyState).toBe(conn!.ws.OPEN)
    client.resume()
    await srv.conns.atLeast(2, 'reconnection after resume')
  })

  it('keeps retrying a refused connection without throwing, until closed', async () => {
    const probe = await startServer()
    const { port } = probe
    await new Promise((resolve) => probe.wss.close(resolve))
    servers.splice(servers.indexOf(probe.wss), 1)
    const attempts = new Inbox<number>()
    const { client, logs } = makeClient(`ws://127.0.0.1:${port}/subscribe`, {
      getCursor: () => {
        attempts.push(attempts.length)
        return undefined
      },
    })
    client.start()
    await attempts.atLeast(4, 'connection attempts')
    expect(logs.items.some((l) => (l.obj.err as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED')).toBe(true)
    await withTimeout(client.close(), 'close')
    const after = attempts.length
    // Asserting that nothing happens needs some elapsed time: 10x the maximum backoff.
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(attempts.length).toBe(after)
    expect(client.stats.connects).toBe(0)
  })

  it('retries a 4xx upgrade response without throwing', async () => {
    const rejected = new Inbox<string>()
    const srv = await startServer({
      verifyClient: (info: { req: { url?: string } }) => (rejected.push(info.req.url ?? ''), false),
    })
    const { client, logs } = makeClient(srv.url)
    client.start()
    await rejected.atLeast(3, 'rejected upgrades')
    expect(logs.items.some((l) => l.level === 'warn' && /401/.test(String(l.obj.err)))).toBe(true)
    await withTimeout(client.close(), 'close')
    expect(client.stats.connects).toBe(0)
  })

  it('delivers nothing while paused and everything, in order, after resume', async () => {
    const srv = await startServer()
    const { client, messages } = makeClient(srv.url, {
      onMessage: (raw) => {
        messages.push(raw)
        if (raw === '1') client.pause()
      },
    })
    client.start()
    const [conn] = await srv.conns.atLeast(1, 'connection')
    for (let i = 1; i <= 10; i++) conn!.ws.send(String(i))
    await messages.atLeast(1, 'first message')
    // Pings keep flowing while paused; three of them are proof the client had ample time to read.
    const seen = conn!.pings.length
    await conn!.pings.atLeast(seen + 3, 'pings while paused')
    expect(messages.items).toEqual(['1'])
    expect(client.paused).toBe(true)
    client.resume()
    expect(await messages.atLeast(10, 'messages after resume')).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'])
  })

  it('stays paused across a reconnect', async () => {
    const srv = await startServer()
    let connects = 0
    const { client, messages } = makeClient(srv.url, {
      // Pausing inside getCursor lands exactly between the disconnect and the next connection.
      getCursor: () => {
        if (++connects === 2) client.pause()
        return undefined
      },
    })
    client.start()
    const [first] = await srv.conns.atLeast(1, 'first connection')
    first!.ws.send('a1')
    await messages.atLeast(1, 'a1')
    first!.ws.terminate()
    const [, second] = await srv.conns.atLeast(2, 'second connection')
    second!.ws.send('b1')
    second!.ws.send('b2')
    await second!.pings.atLeast(3, 'pings while paused')
    expect(messages.items).toEqual(['a1'])
    client.resume()
    expect(await messages.atLeast(3, 'after resume')).toEqual(['a1', 'b1', 'b2'])
  })

  it('closes gracefully even while paused, once, and via asyncDispose', async () => {
    const srv = await startServer()
    const { client, messages } = makeClient(srv.url)
    client.start()
    const [conn] = await srv.conns.atLeast(1, 'connection')
    conn!.ws.send('hello') // the server sees the connection before the client has finished opening
    await messages.atLeast(1, 'hello')
    client.pause()
    const closing = client[Symbol.asyncDispose]()
    expect(client.close()).toBe(closing)
    await withTimeout(closing, 'close')
    // 1000 rather than 1006 shows the close handshake ran instead of the terminate fallback.
    const [code] = await withTimeout(conn!.closed, 'server saw close')
    expect(code).toBe(1000)
    client.start() // no effect after close
    expect(client.stats.connects).toBe(1)
  })

  it('close before start resolves at once', async () => {
    const { client } = makeClient('ws://127.0.0.1:1/subscribe')
    await withTimeout(client.close(), 'close')
  })
})
