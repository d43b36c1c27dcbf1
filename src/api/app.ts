import { Hono, type Context } from 'hono'
import type { ServiceAuthVerifier } from '../auth/service-auth-verifier.js'
import type { FeedError, Skeleton, SkeletonParams } from '../core/feed-service.js'
import type { Result } from '../core/result.js'
import type { Logger } from '../core/logger.js'
import { NSID } from '../core/nsid.js'
import { optional, parseLimit } from './params.js'
import { registerReadRoutes, type Reads } from './read-routes.js'
import { serviceAuth, withServiceAuth, type AppEnv } from './service-auth.js'
import { boundedJson } from '../backfill/bounded-json.js'
import { parseInteractions, type Interaction } from '../core/interactions.js'
import { skeletonJson } from './skeleton-json.js'
import { registerWebRoutes } from './web-routes.js'
import type { WebClientConfig } from '../core/web/client-config.js'
import {
  InternalServerError, InvalidRequestError, MethodNotAllowedError, MethodNotImplementedError, XrpcError,
} from './xrpc-error.js'

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
  /** Extra, host-specific health details (stream lag, cursor); non-empty `problems` make it a 503. */
  health?: () => Record<string, unknown> | Promise<Record<string, unknown>>
  /** Prometheus exposition at `GET /metrics`, when the host keeps metrics. */
  metrics?: { contentType: string; text: () => Promise<string> }
  /** Told of every request once answered: its path, status and duration (for metrics). */
  onRequest?: (path: string, status: number, seconds: number) => void
  /** Verifies service JWTs; without it every request is anonymous and Authorization is ignored. */
  auth?: ServiceAuthVerifier
  /** Applies a signed-in viewer's "show less" and "show more" (SPEC §12); without it the method is not offered. */
  interactions?: (viewer: string, items: Interaction[]) => number | Promise<number>
  /** The browser app's settings; with them the app serves `/app-config.json` and `/client-metadata.json`. */
  web?: WebClientConfig
}

const XRPC_PREFIX = '/xrpc/'
// Verbs a client plausibly sends by mistake; rarer ones reach notFound, which refuses them alike.
const WRONG_VERBS = ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']
// The header c.json sets.
const JSON_CONTENT_TYPE = { 'Content-Type': 'application/json' }
// 100 interactions of a post URI, an event and a short context each fit well within this.
const MAX_INTERACTIONS_BODY = 64 * 1024
const utf8 = new TextEncoder()

// A thenable, not just a Promise: what a host's feeds return may come from another realm or an RPC stub.
const isPromiseLike = <T>(v: T | PromiseLike<T>): v is PromiseLike<T> => typeof (v as { then?: unknown }).then === 'function'

/** The Web-standard app both hosts serve: `fetch(Request) → Response`. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  if (deps.onRequest) {
    const observe = deps.onRequest
    app.use('*', async (c, next) => {
      const started = performance.now()
      await next()
      observe(c.req.path, c.res.status, (performance.now() - started) / 1000)
    })
  }

  // Every XRPC route is a GET query (Hono answers HEAD from it too). Read at request time, once all
  // routes are registered.
  let queryPaths: Set<string> | undefined
  const isQuery = (path: string): boolean => {
    queryPaths ??= new Set(app.routes.filter((r) => r.method === 'GET' && r.path.startsWith(XRPC_PREFIX)).map((r) => r.path))
    return queryPaths.has(path)
  }
  // Registered first so a wrong verb is refused before a route's auth middleware asks for a JWT; it
  // is bound to the other verbs only, so a GET never passes through it.
  app.on(WRONG_VERBS, `${XRPC_PREFIX}*`, (c, next) => {
    if (isQuery(c.req.path)) throw new MethodNotAllowedError(c.req.method)
    return next()
  })

  // A frozen skeleton is a cached page that many requests share: its body is written once, as
  // UTF-8 bytes, so that no request measures or encodes it again.
  const bodies = new WeakMap<Skeleton, Uint8Array<ArrayBuffer>>()
  const bodyOf = (skeleton: Skeleton): string | Uint8Array<ArrayBuffer> => {
    if (!Object.isFrozen(skeleton)) return skeletonJson(skeleton)
    let body = bodies.get(skeleton)
    if (body === undefined) bodies.set(skeleton, (body = new Uint8Array(utf8.encode(skeletonJson(skeleton)))))
    return body
  }
  const skeletonResponse = (c: Context<AppEnv>, result: Result<Skeleton, FeedError>): Response => {
    if (!result.ok) throw new InvalidRequestError(result.error.message, result.error.error)
    return c.body(bodyOf(result.value), 200, JSON_CONTENT_TYPE)
  }
  app.get(
    `/xrpc/${NSID.getFeedSkeleton}`,
    withServiceAuth(deps.auth, NSID.getFeedSkeleton, (c) => {
      // One pass over the query string, not one per parameter (a missing `cursor` alone would
      // make Hono decode them all).
      const query = c.req.query()
      const feed = query.feed
      if (!feed) throw new InvalidRequestError('feed is required')
      const viewer = c.get('requester')?.did
      const result = deps.feeds.getFeedSkeleton({ feed, limit: parseLimit(query.limit), ...optional('cursor', query.cursor), ...optional('viewer', viewer) })
      // The Node host answers synchronously; staying off promises there lets Hono and
      // @hono/node-server write the response in the same turn.
      return isPromiseLike(result) ? result.then((r) => skeletonResponse(c, r)) : skeletonResponse(c, result)
    }),
  )

  if (deps.interactions) {
    const apply = deps.interactions
    app.post(`/xrpc/${NSID.sendInteractions}`, serviceAuth(deps.auth, NSID.sendInteractions, { required: true }), async (c) => {
      let body: unknown
      try {
        body = await boundedJson(c.req.raw, MAX_INTERACTIONS_BODY)
      } catch (e) {
        throw new InvalidRequestError(e instanceof SyntaxError ? 'the body is not JSON' : `the body is over ${MAX_INTERACTIONS_BODY} bytes`)
      }
      const parsed = parseInteractions(body)
      if (!parsed.ok) throw new InvalidRequestError(parsed.error)
      await apply(c.get('requester')!.did, parsed.value)
      return c.json({})
    })
  }

  app.get(`/xrpc/${NSID.describeFeedGenerator}`, async (c) => c.json(await deps.feeds.describeFeedGenerator()))

  app.get('/.well-known/did.json', (c) =>
    c.json({
      '@context': ['https://www.w3.org/ns/did/v1'],
      id: `did:web:${deps.hostname}`,
      service: [{ id: '#bsky_fg', type: 'BskyFeedGenerator', serviceEndpoint: `https://${deps.hostname}` }],
    }),
  )

  if (deps.reads) registerReadRoutes(app, deps.reads, deps.auth)
  if (deps.web) registerWebRoutes(app, deps.web)

  if (deps.metrics) {
    const { contentType, text } = deps.metrics
    app.get('/metrics', async () => new Response(await text(), { headers: { 'Content-Type': contentType } }))
  }

  // A host that reports problems answers 503, so a load balancer or orchestrator can act on it.
  app.get('/xrpc/_health', async (c) => {
    const details = (await deps.health?.()) ?? {}
    const problems = Array.isArray(details.problems) && details.problems.length > 0
    return c.json({ status: problems ? 'unhealthy' : 'ok', ...details }, problems ? 503 : 200)
  })

  // Unknown XRPC methods are told apart here rather than by an `/xrpc/:method` route: with only
  // static paths Hono can use its RegExpRouter (a map lookup per request) instead of the trie.
  app.notFound((c) => {
    if (isQuery(c.req.path)) return new MethodNotAllowedError(c.req.method).toResponse()
    const method = c.req.path.startsWith(XRPC_PREFIX) ? c.req.path.slice(XRPC_PREFIX.length) : ''
    if (method !== '' && !method.includes('/')) return new MethodNotImplementedError(method).toResponse()
    return c.json({ error: 'NotFound', message: 'Not Found' }, 404)
  })

  app.onError((e, c) => {
    if (e instanceof XrpcError) return e.toResponse()
    deps.log.error({ err: e, path: c.req.path }, 'request failed')
    return new InternalServerError().toResponse()
  })
  return app
}
