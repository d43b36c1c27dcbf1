/**
 * A PLC directory on 127.0.0.1 serving DID documents from a map, counting requests per DID so tests
 * can prove what was cached. did:web documents are served too, through `fetch` below, which routes
 * `https://<host>/.well-known/did.json` here instead of the internet.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { P256PrivateKeyExportable, Secp256k1PrivateKeyExportable, type PrivateKeyExportable } from '@atcute/crypto'

export class FakePlc {
  readonly docs = new Map<string, unknown>()
  readonly requests = new Map<string, number>()
  /** A document for a DID not in `docs`, if any. */
  fallback: (did: string) => unknown = () => undefined
  url = ''
  #server: Server | undefined

  static async start(): Promise<FakePlc> {
    const plc = new FakePlc()
    plc.#server = createServer((req, res) => {
      const key = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1))
      plc.requests.set(key, (plc.requests.get(key) ?? 0) + 1)
      const doc = plc.docs.get(key) ?? plc.fallback(key)
      res.writeHead(doc ? 200 : 404, { 'content-type': 'application/json' })
      res.end(JSON.stringify(doc ?? { message: 'DID not registered' }))
    })
    await new Promise<void>((resolve) => plc.#server!.listen(0, '127.0.0.1', resolve))
    plc.url = `http://127.0.0.1:${(plc.#server.address() as AddressInfo).port}`
    return plc
  }

  count(did: string): number {
    return this.requests.get(did) ?? 0
  }

  /** A fetch that answers did:web lookups from this server (keyed by the DID) and passes the rest. */
  fetch: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input)
    if (url.protocol === 'https:' && url.pathname === '/.well-known/did.json') {
      return fetch(`${this.url}/${encodeURIComponent(`did:web:${url.host.replace(':', '%3A')}`)}`, init)
    }
    return fetch(input, init)
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()))
  }
}

export type KeyKind = 'k256' | 'p256'

export const createKey = (kind: KeyKind): Promise<PrivateKeyExportable> =>
  kind === 'k256' ? Secp256k1PrivateKeyExportable.createKeypair() : P256PrivateKeyExportable.createKeypair()

/** An atproto DID document with one Multikey per fragment, e.g. `{ atproto: key }`. */
export async function didDocument(did: string, keys: Record<string, PrivateKeyExportable>): Promise<unknown> {
  const verificationMethod = await Promise.all(
    Object.entries(keys).map(async ([fragment, key]) => ({
      id: `${did}#${fragment}`,
      type: 'Multikey',
      controller: did,
      publicKeyMultibase: await key.exportPublicKey('multikey'),
    })),
  )
  return { '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'], id: did, alsoKnownAs: [], verificationMethod, service: [] }
}

/** Signs an arbitrary header and payload, for tokens createServiceJwt would refuse to make. */
export async function signJwt(key: PrivateKeyExportable, header: object, payload: object): Promise<string> {
  const part = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url')
  const message = `${part(header)}.${part(payload)}`
  return `${message}.${Buffer.from(await key.sign(new TextEncoder().encode(message))).toString('base64url')}`
}
