import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { Inbox } from './async.js'

export interface RelayConnection {
  ws: WebSocket
  url: URL
  cursor: string | null
}

/** A local subscribeRepos endpoint on 127.0.0.1 that sends whatever binary frames a test hands it. */
export class FakeRelay {
  readonly connections = new Inbox<RelayConnection>()

  private constructor(private readonly wss: WebSocketServer) {
    wss.on('connection', (ws, req) => {
      const url = new URL(req.url ?? '/', 'ws://127.0.0.1')
      this.connections.push({ ws, url, cursor: url.searchParams.get('cursor') })
    })
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
