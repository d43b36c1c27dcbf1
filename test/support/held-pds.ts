import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A PLC directory and PDS in front of dev-env's, on 127.0.0.1: DID documents come from the real
 * PLC with their PDS endpoint pointed here, and every PDS request is forwarded to the real PDS. A
 * test can hold the answers to one repo's listRecords: the real answer is read at once, then kept
 * until the test releases it, so the test can change the repo while the reader is "mid-fetch".
 */
export class HeldPds {
  readonly listings: string[] = []
  #holds = new Map<string, { release: Promise<void>; seen: () => void }>()

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly plcUrl: string,
    private readonly pdsUrl: string,
  ) {}

  static async start(plcUrl: string, pdsUrl: string): Promise<HeldPds> {
    let self: HeldPds | undefined
    const server = createServer((req, res) => void self!.handle(req, res).catch((e: unknown) => res.writeHead(502).end(String(e))))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    self = new HeldPds(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, plcUrl, pdsUrl)
    return self
  }

  /** Holds the next listRecords of `did`'s posts; resolves `seen` once it was read from the PDS. */
  hold(did: string): { seen: Promise<void>; release: () => void } {
    let release!: () => void
    let seen!: () => void
    const seenP = new Promise<void>((r) => (seen = r))
    this.#holds.set(did, { release: new Promise<void>((r) => (release = r)), seen })
    return { seen: seenP, release }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url)
    if (decodeURIComponent(url.pathname).startsWith('/did:')) {
      const doc = (await (await fetch(`${this.plcUrl}${url.pathname}`)).json()) as { service?: { serviceEndpoint: string }[] }
      for (const s of doc.service ?? []) s.serviceEndpoint = this.url
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc))
      return
    }
    const upstream = await fetch(`${this.pdsUrl}${url.pathname}${url.search}`, { headers: { accept: 'application/json' } })
    const body = Buffer.from(await upstream.arrayBuffer())
    if (url.pathname === '/xrpc/com.atproto.repo.listRecords') {
      const repo = url.searchParams.get('repo') ?? ''
      this.listings.push(repo)
      const hold = this.#holds.get(repo)
      if (hold) {
        this.#holds.delete(repo)
        hold.seen()
        await hold.release
      }
    }
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(body)
  }

  close(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}
