import { createApp } from '../api/app.js'
import { processBatch } from './processor.js'
import { consoleLogger } from './console-logger.js'
import { settingsOf } from './settings.js'
import { workerFeeds } from './worker-feeds.js'

export { CommunityFeedGenerator } from './community-feed.js'
export { Directory } from './directory.js'
export { GlobalPosts } from './global-posts.js'
export { FirehoseReceiver } from './firehose-receiver.js'

function appFor(env: Env) {
  const settings = settingsOf(env)
  const log = consoleLogger(settings.logLevel)
  return createApp({ feeds: workerFeeds(env, settings.serviceDid), hostname: settings.hostname, log })
}

/** The Worker: the same Hono app as the Node host, the queue consumer, and the cron. */
export default {
  fetch(request, env) {
    return appFor(env).fetch(request, env)
  },
  async queue(batch, env) {
    await processBatch(batch as MessageBatch<string>, env, consoleLogger(settingsOf(env).logLevel, { handler: 'queue' }))
  },
  async scheduled(_controller, env) {
    // (Re)starts the receiver; it keeps itself alive with its own alarm between crons.
    await env.FIREHOSE_RECEIVER.get(env.FIREHOSE_RECEIVER.idFromName('main')).start()
  },
} satisfies ExportedHandler<Env>
