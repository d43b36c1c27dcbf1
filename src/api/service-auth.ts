import type { MiddlewareHandler } from 'hono'
import type { ServiceAuthVerifier, VerifiedRequester } from '../auth/service-auth-verifier.js'
import { parseBearerToken } from '../auth/bearer-token.js'
import { AuthRequiredError } from './xrpc-error.js'

/** Hono variables the app sets: handlers read the verified requester with `c.get('requester')`. */
export interface AppEnv {
  Variables: { requester: VerifiedRequester | undefined }
}

/**
 * Service auth for one method, optional unless `required`: no Authorization header means an anonymous request, while a
 * header that does not verify is a 401, so a client never silently loses its identity.
 */
export function serviceAuth(verifier: ServiceAuthVerifier | undefined, lxm: string, opts: { required?: boolean } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization')
    // A method that needs a requester cannot be served by a host that verifies nobody.
    if (opts.required && (header === undefined || !verifier)) throw new AuthRequiredError(`${lxm} requires a service JWT`)
    if (header !== undefined && verifier) {
      const token = parseBearerToken(header)
      if (!token.ok) throw new AuthRequiredError(token.error.message, token.error.error)
      const verified = await verifier.verify(token.value, lxm)
      if (!verified.ok) throw new AuthRequiredError(verified.error.message, verified.error.error)
      c.set('requester', verified.value)
    }
    await next()
  }
}
