import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

const METHOD = '/xrpc/com.atproto.sync.listReposByCollection'

/**
 * A relay's com.atproto.sync.listReposByCollection on 127.0.0.1, over a fixed listing: the DIDs
 * holding each collection. Pages hold at most `pageSize` repos whatever the limit asked, so that
 * paging is exercised; every request is recorded.
 */
export class RelayListing {
  readonly requests: URLSearchParams[] = []

  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(listing: Record<string, string[]>, pageSize = 2): Promise<RelayListing> {
    let self: RelayListing | undefined
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      self?.requests.push(url.searchParams)
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(body))
      }
      const collection = url.searchParams.get('collection')
      if (url.pathname !== METHOD) return reply(404, { error: 'MethodNotImplemented', message: url.pathname })
      if (!collection) return reply(400, { error: 'InvalidRequest', message: 'collection is required' })
      const from = Number(url.searchParams.get('cursor') ?? 0)
      const limit = Math.min(pageSize, Number(url.searchParams.get('limit') ?? 500))
      const dids = listing[collection] ?? []
      const page = dids.slice(from, from + limit)
      const next = from + page.length
      reply(200, { repos: page.map((did) => ({ did })), ...(next < dids.length ? { cursor: String(next) } : {}) })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    self = new RelayListing(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    return self
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}
