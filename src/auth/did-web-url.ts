import { err, ok, type Result } from '../core/result.js'
import { isPublicAddress } from './public-address.js'

export interface DidWebUrlOptions {
  /**
   * Test only (production never sets it): lets a did:web name a loopback or private host, with a
   * port (`%3A`), fetched over http, so tests can serve documents on 127.0.0.1.
   */
  allowLocal?: boolean
}

// A did:web issuer is a bare DNS name (atproto supports no did:web paths): letters, digits and
// hyphens in dot-separated labels, at least two of them. No percent-encoding, so no port, path,
// query, fragment or userinfo can reach the URL.
const HOST_RE = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i
const LOCAL_HOST_RE = /^([a-z0-9.-]{1,253})(?:%3A(\d{1,5}))?$/i
// Names that never leave the machine or the site, whatever a resolver says (RFC 6761, 6762, 8375).
const LOCAL_NAME_RE = /(^|\.)(localhost|local|internal|home\.arpa)$/i
const DOTTED_QUAD_RE = /^\d+\.\d+\.\d+\.\d+$/

/**
 * The URL of a did:web issuer's document, `https://<host>/.well-known/did.json`, or why that DID may
 * not be resolved. The host is read the way fetch will read it (the WHATWG URL parser turns
 * `0x7f.1` or `127.1` into 127.0.0.1), and an IP-literal host must be public. A name is checked
 * here only for its form; its addresses are the resolver's to check.
 */
export function didWebUrl(did: string, opts: DidWebUrlOptions = {}): Result<URL, string> {
  if (!did.startsWith('did:web:')) return err(`not a did:web: ${did}`)
  const id = did.slice('did:web:'.length)
  let authority: string
  if (opts.allowLocal) {
    const m = LOCAL_HOST_RE.exec(id)
    if (!m) return err(`did:web host must be a plain host name: ${did}`)
    authority = m[2] === undefined ? m[1]! : `${m[1]}:${m[2]}`
  } else {
    if (!HOST_RE.test(id)) return err(`did:web must be a plain host name, without port or path: ${did}`)
    authority = id
  }
  let url: URL
  try {
    url = new URL(`${opts.allowLocal ? 'http' : 'https'}://${authority}/.well-known/did.json`)
  } catch {
    return err(`did:web host is not a valid host name: ${did}`)
  }
  if (opts.allowLocal) return ok(url)
  if (DOTTED_QUAD_RE.test(url.hostname) && !isPublicAddress(url.hostname)) return err(`did:web host is not a public address: ${did}`)
  if (LOCAL_NAME_RE.test(url.hostname)) return err(`did:web host is a local name: ${did}`)
  return ok(url)
}
