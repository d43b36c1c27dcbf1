import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { ReplayLog } from './replay-log.js'

export interface Connection {
  url: URL
  cursor: number | undefined
}

/**
 * A local server speaking Jetstream's wire format: it keeps every published frame and, like
 * Jetstream, replays from `cursor` (a time_us) when a client connects with one.
 */
export class FakeJetstream {
  readonly connections: Connection[] = []
  /** Every published frame by time_us; `trimBefore` bounds it in long runs. */
  readonly log = new ReplayLog<string>(true)
  private readonly wss: WebSocketServer
  private readonly waiters: (() => void)[] = []

  private constructor(wss: WebSocketServer) {
    this.wss = wss
    wss.on('connection', (ws, req) => {
      const url = new URL(req.url ?? '/', 'ws://127.0.0.1')
      const c = url.searchParams.get('cursor')
      const cursor = c === null ? undefined : Number(c)
      this.connections.push({ url, cursor })
      if (cursor !== undefined) for (const raw of this.log.from(cursor)) ws.send(raw)
      for (const w of this.waiters.splice(0)) w()
    })
  }

  static async start(): Promise<FakeJetstream> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise<void>((resolve, reject) => wss.once('listening', resolve).once('error', reject))
    return new FakeJetstream(wss)
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/subscribe`
  }

  get clients(): Set<WebSocket> {
    return this.wss.clients
  }

  /** Resolves when the server has seen `n` connections in all (bounded by `timeoutMs`). */
  async connected(n: number, timeoutMs = 15_000): Promise<Connection> {
    const deadline = Date.now() + timeoutMs
    while (this.connections.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} connections, saw ${this.connections.length}`)
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve)
        setTimeout(resolve, 250)
      })
    }
    return this.connections[n - 1]!
  }

  /** Sends one frame to every client and keeps it for replay. Malformed frames are sent as is. */
  publish(frame: object | string, timeUs?: number): void {
    const raw = typeof frame === 'string' ? frame : JSON.stringify(frame)
    const t = timeUs ?? Number(/"time_us":(\d+)/.exec(raw)?.[1] ?? 0)
    this.log.push(raw, t)
    for (const ws of this.wss.clients) ws.send(raw)
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate()
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
  }
}
