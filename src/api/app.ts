import { Hono } from 'hono'
import type { ServiceAuthVerifier } from '../auth/service-auth-verifier.js'
import type { FeedError, Skeleton, SkeletonParams } from '../core/feed-service.js'
import type { Result } from '../core/result.js'
import type { Logger } from '../core/logger.js'
import { NSID } from '../core/nsid.js'
import { parseLimit } from './params.js'
import { registerReadRoutes, type Reads } from './read-routes.js'
import { serviceAuth, type AppEnv } from './service-auth.js'
import { InternalServerError, InvalidRequestError, MethodNotImplementedError, XrpcError } from './xrpc-error.js'

/** The read side each host provides: in process on Node, by RPC to Durable Objects on Workers. */
export interface Feeds {
  getFeedSkeleton(params: SkeletonParams): Result<Skeleton, FeedError> | Promise<Result<Skeleton, FeedError>>
  describeFeedGenerator(): { did: string; feeds: { uri: string }[] } | Promise<{ did: string; feeds: { uri: string }[] }>
}

export interface AppDeps {
  feeds: Feeds
  /** The net.atrarium.* queries; without them those methods answer MethodNotImplemented. */
  reads?: Reads
  hostname: string
  log: Logger
  /** Extra, host-specific health details (stream lag, cursor). */
  health?: () => Record<string, unknown>
  /** Verifies service JWTs; without it every request is anonymous and Authorization is ignored. */
  auth?: ServiceAuthVerifier
}

/** The Web-standard app both hosts serve: `fetch(Request) → Response`. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  if (deps.auth) app.use(`/xrpc/${NSID.getFeedSkeleton}`, serviceAuth(deps.auth, NSID.getFeedSkeleton))
  app.get(`/xrpc/${NSID.getFeedSkeleton}`, async (c) => {
    const feed = c.req.query('feed')
    if (!feed) throw new InvalidRequestError('feed is required')
    const cursor = c.req.query('cursor')
    const result = await deps.feeds.getFeedSkeleton({ feed, limit: parseLimit(c.req.query('limit')), ...(cursor !== undefined ? { cursor } : {}) })
    if (!result.ok) throw new InvalidRequestError(result.error.message, result.error.error)
    return c.json(result.value)
  })

  app.get(`/xrpc/${NSID.describeFeedGenerator}`, async (c) => c.json(await deps.feeds.describeFeedGenerator()))

  app.get('/.well-known/did.json', (c) =>
    c.json({
      '@context': ['https://www.w3.org/ns/did/v1'],
      id: `did:web:${deps.hostname}`,
      service: [{ id: '#bsky_fg', type: 'BskyFeedGenerator', serviceEndpoint: `https://${deps.hostname}` }],
    }),
  )

  if (deps.reads) registerReadRoutes(app, deps.reads, deps.auth)

  app.get('/xrpc/_health', (c) => c.json({ status: 'ok', ...deps.health?.() }))

  app.all('/xrpc/:method', (c) => new MethodNotImplementedError(c.req.param('method')).toResponse())
  app.notFound((c) => c.json({ error: 'NotFound', message: 'Not Found' }, 404))

  app.onError((e, c) => {
    if (e instanceof XrpcError) return e.toResponse()
    deps.log.error({ err: e, path: c.req.path }, 'request failed')
    return new InternalServerError().toResponse()
  })
  return app
}
