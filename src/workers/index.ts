import { createApp } from '../api/app.js'
import { healthProblems } from '../core/health.js'
import { webClientConfig } from '../api/web-routes.js'
import { ServiceAuthVerifier } from '../auth/service-auth-verifier.js'
import { PROMETHEUS_CONTENT_TYPE } from '../api/prometheus-text.js'
import { adminRoutes, isAdminPath } from './admin-routes.js'
import { processBatch } from './processor.js'
import { consoleLogger } from './console-logger.js'
import { settingsOf } from './settings.js'
import { workerFeeds, workerInteractions } from './worker-feeds.js'
import { workerMetricsText } from './worker-metrics.js'
import { workerReads } from './worker-reads.js'

export { CommunityFeedGenerator } from './community-feed.js'
export { Directory } from './directory.js'
export { GlobalPosts } from './global-posts.js'
export { FirehoseReceiver } from './firehose-receiver.js'
export { BackfillCoordinator } from './backfill-coordinator.js'

// One verifier per isolate and settings, so its DID document cache outlives a request. No
// lookupHost: workerd has no DNS API. The verifier still refuses did:web IP literals that are not
// public, and a name is fetched through Cloudflare's network, which cannot reach private addresses.
const verifiers = new Map<string, ServiceAuthVerifier>()

function verifierFor(serviceDid: string, plcUrl: string): ServiceAuthVerifier {
  const key = `${serviceDid} ${plcUrl}`
  let verifier = verifiers.get(key)
  if (!verifier) verifiers.set(key, (verifier = new ServiceAuthVerifier({ serviceDid, plcUrl })))
  return verifier
}

// Built once per isolate and settings (env is one object per isolate), not per request.
const apps = new WeakMap<object, ReturnType<typeof createApp>>()

function appFor(env: Env) {
  let app = apps.get(env)
  if (!app) apps.set(env, (app = buildApp(env)))
  return app
}

function buildApp(env: Env) {
  const settings = settingsOf(env)
  const log = consoleLogger(settings.logLevel)
  return createApp({
    feeds: workerFeeds(env, settings.serviceDid),
    interactions: workerInteractions(env),
    reads: workerReads(env),
    auth: verifierFor(settings.serviceDid, settings.plcUrl),
    hostname: settings.hostname,
    log,
    web: webClientConfig(settings),
    metrics: { contentType: PROMETHEUS_CONTENT_TYPE, text: async () => workerMetricsText(await receiverStub(env).status()) },
    // The receiver's state; Cloudflare offers no way to read a queue's backlog from a Worker.
    health: async () => {
      const receiver = await receiverStub(env).status()
      const problems = healthProblems(receiver, settings.healthMaxLagS)
      return { ...(problems.length > 0 ? { problems } : {}), receiver }
    },
  })
}

const receiverStub = (env: Env) => env.FIREHOSE_RECEIVER.get(env.FIREHOSE_RECEIVER.idFromName('main'))
const startReceiver = (env: Env) => receiverStub(env).start()

// The cron (re)starts the receiver; a request does too, once per isolate, for where no cron fires:
// `wrangler dev` with static assets answers /cdn-cgi/handler/scheduled with a 500 (wrangler 4.86).
let receiverStarted = false

/** The Worker: the same Hono app as the Node host, the queue consumer, and the cron. */
export default {
  fetch(request: Request, env: Env, ctx?: ExecutionContext) {
    // Without an execution context (a test calling the handler directly) nothing may outlive the call.
    if (!receiverStarted && ctx) {
      receiverStarted = true
      ctx.waitUntil(startReceiver(env).catch((e: unknown) => {
        receiverStarted = false
        consoleLogger(settingsOf(env).logLevel).error({ err: e }, 'could not start the receiver')
      }))
    }
    if (isAdminPath(new URL(request.url).pathname)) return adminRoutes.fetch(request, env)
    return appFor(env).fetch(request, env)
  },
  async queue(batch, env) {
    await processBatch(batch as MessageBatch<string>, env, consoleLogger(settingsOf(env).logLevel, { handler: 'queue' }))
  },
  async scheduled(_controller, env) {
    // (Re)starts the receiver; it keeps itself alive with its own alarm between crons.
    await startReceiver(env)
  },
} satisfies ExportedHandler<Env>
