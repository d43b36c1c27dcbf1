import { isValidDid } from '@atproto/syntax'
import { base64UrlBytes, fromBase64Url } from '../core/base64url.js'
import { err, ok, type Result } from '../core/result.js'
import { authFailure, type AuthFailure } from './auth-failure.js'

/** A structurally valid service JWT, not yet verified. */
export interface ServiceJwt {
  alg: string
  /** A DID, or `did#serviceId` when a service of that DID signs (atproto allows `#atproto_labeler`). */
  iss: string
  aud: string
  exp: number
  lxm: string | undefined
  /** The signed bytes: `<header>.<payload>` as sent. */
  message: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

const malformed = () => err(authFailure('BadJwt', 'poorly formatted jwt'))

function jsonObject(part: string): Record<string, unknown> | undefined {
  const text = part.length > 0 ? fromBase64Url(part) : undefined
  if (text === undefined) return undefined
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

// One issuer's tokens all share a header (`{"typ":"JWT","alg":"ES256K"}`, as a PDS writes it): the
// last one decoded is kept, one entry, so nothing a sender varies can grow it.
let lastHeader: { part: string; value: Record<string, unknown> | undefined } | undefined
function headerObject(part: string): Record<string, unknown> | undefined {
  if (lastHeader?.part === part) return lastHeader.value
  const value = jsonObject(part)
  if (value) Object.freeze(value)
  lastHeader = { part, value }
  return value
}

function isIssuer(iss: string): boolean {
  const [did, fragment, ...rest] = iss.split('#')
  return rest.length === 0 && fragment !== '' && did !== undefined && isValidDid(did)
}

/** Splits and decodes a compact JWT and checks the claims atproto service auth requires. */
export function parseServiceJwt(token: string): Result<ServiceJwt, AuthFailure> {
  const parts = token.split('.')
  if (parts.length !== 3) return malformed()
  const [headerPart = '', payloadPart = '', sigPart = ''] = parts
  const header = headerObject(headerPart)
  const payload = jsonObject(payloadPart)
  const signature = sigPart.length > 0 ? base64UrlBytes(sigPart) : undefined
  if (!header || !payload || !signature || typeof header.alg !== 'string') return malformed()
  const { iss, aud, exp, lxm } = payload
  if (typeof iss !== 'string' || typeof aud !== 'string' || typeof exp !== 'number' || !Number.isFinite(exp)) return malformed()
  if (lxm !== undefined && typeof lxm !== 'string') return malformed()
  // Access, refresh and DPoP tokens are JWTs too, but never service tokens.
  if (header.typ === 'at+jwt' || header.typ === 'refresh+jwt' || header.typ === 'dpop+jwt') {
    return err(authFailure('BadJwtType', `invalid jwt type "${header.typ}"`))
  }
  if (!isIssuer(iss)) return err(authFailure('BadJwtIss', 'jwt iss is not a valid did'))
  return ok({ alg: header.alg, iss, aud, exp, lxm, message: asciiBytes(token, headerPart.length + 1 + payloadPart.length), signature })
}

/** The first `n` characters' codes as bytes: the signed part is base64url, ASCII, its own UTF-8. */
function asciiBytes(s: string, n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = s.charCodeAt(i)
  return out
}
