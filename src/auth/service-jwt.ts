import { isValidDid } from '@atproto/syntax'
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

const B64URL_RE = /^[A-Za-z0-9_-]+$/
const malformed = () => err(authFailure('BadJwt', 'poorly formatted jwt'))

// atob and TextDecoder exist in every host (Node, Workers); Buffer does not.
function fromBase64Url(s: string): Uint8Array<ArrayBuffer> | undefined {
  if (!B64URL_RE.test(s) || s.length % 4 === 1) return undefined
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4))
  // A plain loop: Uint8Array.from with a mapping function costs as much as half a secp256k1 check.
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

function jsonObject(part: string): Record<string, unknown> | undefined {
  const bytes = fromBase64Url(part)
  if (!bytes) return undefined
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
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
  const header = jsonObject(headerPart)
  const payload = jsonObject(payloadPart)
  const signature = fromBase64Url(sigPart)
  if (!header || !payload || !signature || typeof header.alg !== 'string') return malformed()
  const { iss, aud, exp, lxm } = payload
  if (typeof iss !== 'string' || typeof aud !== 'string' || typeof exp !== 'number' || !Number.isFinite(exp)) return malformed()
  if (lxm !== undefined && typeof lxm !== 'string') return malformed()
  // Access, refresh and DPoP tokens are JWTs too, but never service tokens.
  if (header.typ === 'at+jwt' || header.typ === 'refresh+jwt' || header.typ === 'dpop+jwt') {
    return err(authFailure('BadJwtType', `invalid jwt type "${header.typ}"`))
  }
  if (!isIssuer(iss)) return err(authFailure('BadJwtIss', 'jwt iss is not a valid did'))
  const message = new Uint8Array(new TextEncoder().encode(`${headerPart}.${payloadPart}`))
  return ok({ alg: header.alg, iss, aud, exp, lxm, message, signature })
}
