import type { DidDocument } from '@atcute/identity'
import { AtprotoWebDidDocumentResolver, type DidDocumentResolver, type ResolveDidDocumentOptions } from '@atcute/identity-resolver'
import { didWebUrl } from './did-web-url.js'
import { isPublicAddress } from './public-address.js'

/** A host name's addresses, all of them (the Node host passes node:dns lookup with `all: true`). */
export type HostLookup = (hostname: string) => Promise<string[]>

export interface SafeDidWebResolverOptions {
  /**
   * Fetches the document. What it may connect to is the host's concern: the Node host passes a fetch
   * that resolves the name itself, refuses it unless every address is public, and connects only to
   * those addresses (src/node/pinned-fetch.ts); Workers pass Cloudflare's, which cannot reach private
   * addresses.
   */
  fetch: typeof fetch
  /**
   * Where a did:web name's addresses come from, so that a name pointing at 127.0.0.1 or the metadata
   * service is refused before any fetch. Only a pre-check: a fetch that resolves the name again when
   * it connects can be answered differently (DNS rebinding), so it closes nothing that a fetch which
   * checks its own connection leaves open. Without it only IP-literal hosts are checked here.
   */
  lookupHost?: HostLookup
  /** Test only: see {@link didWebUrl}. Production never sets it. */
  allowLocal?: boolean
}

/** A did:web this service will not fetch. */
export class RefusedDidWebError extends Error {
  override name = 'RefusedDidWebError'
}

/**
 * did:web resolution that cannot be aimed: an issuer is any string a client puts in a token, and its
 * document is fetched before the token's signature can be checked. Only bare public host names on the
 * default https port (no IP literal that is not public, on every host), and (with `lookupHost`) names
 * whose every address is public. The fetch itself is @atcute's: no redirects, JSON only, the body read
 * as a stream and cut off past 20 KiB whatever Content-Length says.
 *
 * Which address a name reaches is decided when the fetch connects, so that is where it is checked:
 * the Node host's `fetch` looks the name up once and connects only to the addresses it approved, so a
 * DNS server answering a public address first and 127.0.0.1 a moment later has no second answer to
 * give. This shared code cannot pin a connection itself (it may use only fetch).
 */
export class SafeDidWebResolver implements DidDocumentResolver<'web'> {
  readonly #opts: SafeDidWebResolverOptions

  constructor(opts: SafeDidWebResolverOptions) {
    this.#opts = opts
  }

  async resolve(did: `did:web:${string}`, options?: ResolveDidDocumentOptions): Promise<DidDocument> {
    const url = didWebUrl(did, { allowLocal: this.#opts.allowLocal ?? false })
    if (!url.ok) throw new RefusedDidWebError(url.error)
    const { hostname } = url.value
    if (this.#opts.lookupHost && !this.#opts.allowLocal && !/^\d+\.\d+\.\d+\.\d+$/.test(hostname)) {
      const addresses = await untilAborted(this.#opts.lookupHost(hostname), options?.signal)
      const bad = addresses.find((a) => !isPublicAddress(a))
      if (addresses.length === 0 || bad !== undefined) throw new RefusedDidWebError(`did:web host ${hostname} is not a public address (${bad ?? 'none'})`)
    }
    // @atcute builds the same URL from the DID; handing it ours keeps the checked one the fetched one.
    const fetchChecked: typeof fetch = (_input, init) => this.#opts.fetch(url.value, init)
    return new AtprotoWebDidDocumentResolver({ fetch: fetchChecked }).resolve(did, options)
  }
}

// A DNS lookup cannot be cancelled, but the resolution waiting on it can stop at the timeout.
function untilAborted<T>(pending: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return pending
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason)
    if (signal.aborted) return abort()
    signal.addEventListener('abort', abort, { once: true })
    pending.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort))
  })
}
