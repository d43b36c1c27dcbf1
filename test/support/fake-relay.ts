import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { Inbox } from './async.js'
import { ReplayLog } from './replay-log.js'

export interface RelayConnection {
  ws: WebSocket
  url: URL
  cursor: string | null
}

/**
 * A local subscribeRepos endpoint on 127.0.0.1 that sends whatever binary frames a test hands it:
 * on one connection (`connection(n).ws.send`), or to every client with `publish`, which also keeps
 * the frame by seq so that a client connecting with `cursor` is sent every later one first, as a
 * relay does.
 */
export class FakeRelay {
  readonly connections = new Inbox<RelayConnection>()
  readonly log = new ReplayLog<Uint8Array>(false)

  private constructor(private readonly wss: WebSocketServer) {
    wss.on('connection', (ws, req) => {
      const url = new URL(req.url ?? '/', 'ws://127.0.0.1')
      const cursor = url.searchParams.get('cursor')
      // Synchronously, before any later publish: the replay and the live frames meet without a gap.
      if (cursor !== null && /^\d+$/.test(cursor)) for (const raw of this.log.from(Number(cursor))) ws.send(raw)
      this.connections.push({ ws, url, cursor })
    })
  }

  /** Sends one frame to every client and keeps it for replay from a cursor below `seq`. */
  publish(frame: Uint8Array, seq: number): void {
    this.log.push(frame, seq)
    for (const ws of this.wss.clients) ws.send(frame)
  }

  static async start(): Promise<FakeRelay> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise<void>((resolve, reject) => wss.once('listening', resolve).once('error', reject))
    return new FakeRelay(wss)
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}`
  }

  /** Waits for the n-th connection (1-based). */
  async connection(n: number): Promise<RelayConnection> {
    return (await this.connections.atLeast(n, `relay connection ${n}`))[n - 1]!
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate()
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
  }
}
