import type { Context, Handler, MiddlewareHandler } from 'hono'
import type { AuthFailure } from '../auth/auth-failure.js'
import type { ServiceAuthVerifier, VerifiedRequester } from '../auth/service-auth-verifier.js'
import type { Result } from '../core/result.js'
import { parseBearerToken } from '../auth/bearer-token.js'
import { AuthRequiredError } from './xrpc-error.js'

/** Hono variables the app sets: handlers read the verified requester with `c.get('requester')`. */
export interface AppEnv {
  Variables: { requester: VerifiedRequester | undefined }
}

interface ServiceAuthOptions {
  required?: boolean
}

/**
 * Service auth for one method, optional unless `required`: no Authorization header means an
 * anonymous request, while a header that does not verify is a 401, so a client never silently
 * loses its identity. Returns a promise only when the token cannot be judged at once (see verifyNow).
 */
function authenticate(c: Context<AppEnv>, verifier: ServiceAuthVerifier | undefined, lxm: string, opts: ServiceAuthOptions): Promise<void> | undefined {
  const header = c.req.header('authorization')
  // A method that needs a requester cannot be served by a host that verifies nobody.
  if (opts.required && (header === undefined || !verifier)) throw new AuthRequiredError(`${lxm} requires a service JWT`)
  if (header === undefined || !verifier) return undefined
  const token = parseBearerToken(header)
  if (!token.ok) throw new AuthRequiredError(token.error.message, token.error.error)
  // A token the AppView reuses, or a new one the host can check at once, is answered with no promise.
  const verified = verifier.verifyNow(token.value, lxm)
  if (verified instanceof Promise) return verified.then((v) => accept(c, v))
  accept(c, verified)
  return undefined
}

// Not a closure per request: under tsx (which `npm start` uses) each one also costs a __name call.
function accept(c: Context<AppEnv>, verified: Result<VerifiedRequester, AuthFailure>): void {
  if (!verified.ok) throw new AuthRequiredError(verified.error.message, verified.error.error)
  c.set('requester', verified.value)
}

/** {@link authenticate} as Hono middleware. */
export function serviceAuth(verifier: ServiceAuthVerifier | undefined, lxm: string, opts: ServiceAuthOptions = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await authenticate(c, verifier, lxm, opts)
    await next()
  }
}

/**
 * {@link authenticate} around a route's handler rather than as middleware in front of it: the
 * route then has a single handler, which Hono calls directly, and an anonymous request to a
 * synchronous handler is answered without a promise, which @hono/node-server writes out at once.
 * That is the path of most getFeedSkeleton requests, the one hot route.
 */
export function withServiceAuth(verifier: ServiceAuthVerifier | undefined, lxm: string, handler: Handler<AppEnv>, opts: ServiceAuthOptions = {}): Handler<AppEnv> {
  return (c, next) => {
    const pending = authenticate(c, verifier, lxm, opts)
    return pending ? pending.then(() => handler(c, next)) : handler(c, next)
  }
}
