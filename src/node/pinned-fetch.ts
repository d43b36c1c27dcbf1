import type { LookupAddress, LookupOptions } from 'node:dns'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { Readable } from 'node:stream'
import type { HostLookup } from '../auth/did-web-resolver.js'
import { isPublicAddress } from '../auth/public-address.js'
import { dnsHostLookup } from './host-lookup.js'

export interface PinnedFetchOptions {
  /** A host name's addresses; by default the OS resolver's (node:dns lookup, all of them). */
  lookupHost?: HostLookup
  /** Gives up on the whole exchange, body included, after this long (10 s), whatever the caller's signal. */
  timeoutMs?: number
  /** Test only: connect to loopback and private addresses too. Production never sets it. */
  allowLocal?: boolean
}

/** An address the pinned fetch will not connect to. */
export class RefusedAddressError extends Error {
  override name = 'RefusedAddressError'
}

// A Response cannot carry a body with these statuses.
const NULL_BODY = new Set([101, 103, 204, 205, 304])

/**
 * A GET-only fetch that connects only to addresses it has checked. Global fetch resolves a name when
 * it connects, so checking the name's addresses beforehand leaves a race: a DNS server answering a
 * public address to the check and 127.0.0.1 a moment later (TTL 0, DNS rebinding) gets the connection.
 * Here the check is the socket's own lookup: the name is resolved once, refused if any address is not
 * public, and the socket connects to those very addresses. The URL keeps the name, so the Host header,
 * TLS SNI and certificate verification still use it.
 *
 * Redirects are never followed (the 3xx comes back, its body unread), the body streams as it arrives
 * (a reader's size cap cuts the connection), and the caller's signal or the timeout destroys the
 * request at any stage. No connection pooling: every fetch resolves and checks afresh.
 */
export function pinnedFetch(opts: PinnedFetchOptions = {}): typeof fetch {
  const lookupHost = opts.lookupHost ?? dnsHostLookup
  const allowLocal = opts.allowLocal ?? false
  const timeoutMs = opts.timeoutMs ?? 10_000

  const lookup: LookupFunction = (hostname, options: LookupOptions, callback) => {
    lookupHost(hostname).then(
      (addresses) => {
        const bad = allowLocal ? undefined : addresses.find((a) => !isPublicAddress(a))
        if (addresses.length === 0 || bad !== undefined) {
          return callback(
            new RefusedAddressError(`${hostname} is not a public address (${bad ?? 'none'})`),
            '',
          )
        }
        const checked: LookupAddress[] = addresses.map((address) => ({ address, family: isIP(address) }))
        // net asks for every address when it races IPv4 against IPv6 (autoSelectFamily), else for one.
        if (options.all) return callback(null, checked)
        const first = checked[0]!
        callback(null, first.address, first.family)
      },
      (e: unknown) => callback(e instanceof Error ? e : new Error(String(e)), ''),
    )
  }

  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : input)
      const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()
      if (method !== 'GET') return reject(new TypeError(`pinned fetch: only GET, not ${method}`))
      if (url.protocol !== 'https:' && url.protocol !== 'http:')
        return reject(new TypeError(`pinned fetch: unsupported protocol ${url.protocol}`))
      // net never calls lookup for an IP literal, so the check happens here.
      const literal = url.hostname.replace(/^\[(.*)\]$/, '$1')
      if (!allowLocal && isIP(literal) !== 0 && !isPublicAddress(literal)) {
        return reject(new RefusedAddressError(`${literal} is not a public address`))
      }
      const signals = [AbortSignal.timeout(timeoutMs), ...(init?.signal ? [init.signal] : [])]
      const signal = AbortSignal.any(signals)
      if (signal.aborted) return reject(signal.reason)

      const headers = new Headers(input instanceof Request ? input.headers : undefined)
      new Headers(init?.headers).forEach((value, name) => headers.set(name, value))
      const request = url.protocol === 'https:' ? httpsRequest : httpRequest
      // agent: false, so a pooled socket (checked by another fetch) is never reused.
      const req = request(url, { method: 'GET', headers: Object.fromEntries(headers), lookup, agent: false })
      let res: IncomingMessage | undefined
      const abort = () => {
        const reason: unknown = signal.reason
        reject(reason)
        // Destroying the response also errors its web stream; before one, the request's socket.
        if (res) res.destroy(reason instanceof Error ? reason : undefined)
        req.destroy(reason instanceof Error ? reason : undefined)
      }
      signal.addEventListener('abort', abort, { once: true })
      const done = () => signal.removeEventListener('abort', abort)
      req.on('error', (e) => {
        done()
        reject(e)
      })
      req.on('response', (incoming) => {
        res = incoming
        incoming.on('close', done)
        const status = incoming.statusCode ?? 0
        const responseHeaders = new Headers()
        for (let i = 0; i + 1 < incoming.rawHeaders.length; i += 2) {
          responseHeaders.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!)
        }
        // A redirect's body is never read (it is not followed), so its connection closes at once.
        const noBody = (status >= 300 && status < 400) || NULL_BODY.has(status)
        if (noBody) incoming.destroy()
        const body = noBody
          ? null
          : (Readable.toWeb(incoming, {
              strategy: new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
            }) as ReadableStream<Uint8Array>)
        try {
          resolve(
            new Response(body, {
              status,
              statusText: incoming.statusMessage ?? '',
              headers: responseHeaders,
            }),
          )
        } catch (e) {
          incoming.destroy()
          reject(e)
        }
      })
      req.end()
    })
}
