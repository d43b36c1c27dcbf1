import { err, ok, type Result } from '../core/result.js'
import { authFailure, type AuthFailure } from './auth-failure.js'

// RFC 6750 makes the scheme case-insensitive; the token is one token68 word.
const BEARER_RE = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i

/** The token of an `Authorization: Bearer <token>` header; anything else is malformed. */
export function parseBearerToken(header: string): Result<string, AuthFailure> {
  const match = BEARER_RE.exec(header)
  return match?.[1] ? ok(match[1]) : err(authFailure('InvalidToken', 'authorization header must be "Bearer <token>"'))
}
