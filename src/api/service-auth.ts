import type { MiddlewareHandler } from 'hono'
import type { ServiceAuthVerifier, VerifiedRequester } from '../auth/service-auth-verifier.js'
import { parseBearerToken } from '../auth/bearer-token.js'
import { AuthRequiredError } from './xrpc-error.js'

/** Hono variables the app sets: handlers read the verified requester with `c.get('requester')`. */
export interface AppEnv {
  Variables: { requester: VerifiedRequester | undefined }
}

/**
 * Optional service auth for one method: no Authorization header means an anonymous request, while a
 * header that does not verify is a 401, so a client never silently loses its identity.
 */
export function serviceAuth(verifier: ServiceAuthVerifier, lxm: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization')
    if (header !== undefined) {
      const token = parseBearerToken(header)
      if (!token.ok) throw new AuthRequiredError(token.error.message, token.error.error)
      const verified = await verifier.verify(token.value, lxm)
      if (!verified.ok) throw new AuthRequiredError(verified.error.message, verified.error.error)
      c.set('requester', verified.value)
    }
    await next()
  }
}
