import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeRecord {
  uri: string
  value: unknown
}

/**
 * A PDS's com.atproto.repo.listRecords on 127.0.0.1 over records set by the test, newest first,
 * one page. A repo can be held: its listings are taken as they stand, then answered only when
 * released, so a test can delete a record while a reader is mid-fetch.
 */
export class FakePds {
  readonly repos = new Map<string, FakeRecord[]>()
  readonly requested: string[] = []
  #held = new Map<string, { release: Promise<void>; open: () => void }>()

  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<FakePds> {
    let self: FakePds | undefined
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      const repo = url.searchParams.get('repo') ?? ''
      const collection = url.searchParams.get('collection') ?? ''
      if (url.pathname !== '/xrpc/com.atproto.repo.listRecords') return void res.writeHead(404).end()
      self!.requested.push(repo)
      const records = (self!.repos.get(repo) ?? []).filter((r) => r.uri.includes(`/${collection}/`))
      const body = JSON.stringify({ records })
      const held = self!.#held.get(repo)
      void (held?.release ?? Promise.resolve()).then(() => res.writeHead(200, { 'content-type': 'application/json' }).end(body))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    self = new FakePds(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    return self
  }

  hold(did: string): void {
    let open!: () => void
    this.#held.set(did, { release: new Promise<void>((r) => (open = r)), open })
  }

  release(did: string): void {
    this.#held.get(did)?.open()
    this.#held.delete(did)
  }

  /** A did:plc document naming this server as the PDS. */
  didDocument(did: string): unknown {
    return {
      '@context': ['https://www.w3.org/ns/did/v1'], id: did, alsoKnownAs: [], verificationMethod: [],
      service: [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: this.url }],
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}
