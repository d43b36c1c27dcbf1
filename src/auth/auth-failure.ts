/**
 * Why a request's credentials were refused. The names are the ones atproto's own services answer
 * with (@atproto/xrpc-server verifyJwt, the AppView's auth verifier), so clients see familiar errors.
 */
export type AuthErrorName =
  | 'AuthenticationRequired'
  | 'InvalidToken'
  | 'BadJwt'
  | 'BadJwtType'
  | 'BadJwtIss'
  | 'BadJwtAudience'
  | 'BadJwtLexiconMethod'
  | 'BadJwtSignature'
  | 'JwtExpired'

export interface AuthFailure {
  error: AuthErrorName
  message: string
}

export const authFailure = (error: AuthErrorName, message: string): AuthFailure => ({ error, message })
