declare namespace Cloudflare {
  interface Env {
    COMMUNITY_FEED: DurableObjectNamespace<import('./community-feed.js').CommunityFeedGenerator>
    FIREHOSE_RECEIVER: DurableObjectNamespace<import('./firehose-receiver.js').FirehoseReceiver>
    DIRECTORY: DurableObjectNamespace<import('./directory.js').Directory>
    GLOBAL_POSTS: DurableObjectNamespace<import('./global-posts.js').GlobalPosts>
    BACKFILL_COORDINATOR: DurableObjectNamespace<import('./backfill-coordinator.js').BackfillCoordinator>
    /** A secret (wrangler secret put): unset, the admin methods answer 403. */
    ATRARIUM_ADMIN_TOKEN?: string
    FIREHOSE_QUEUE: Queue<string>
    ATRARIUM_JETSTREAM_URL: string
    ATRARIUM_HOSTNAME: string
    ATRARIUM_SERVICE_DID: string
    ATRARIUM_RETENTION_DAYS: string
    ATRARIUM_PLC_URL: string
    ATRARIUM_APPVIEW_URL?: string
    ATRARIUM_HANDLE_RESOLVER_URL?: string
    ATRARIUM_BSKY_APP_URL?: string
    ASSETS?: Fetcher
    LOG_LEVEL: string
  }
}

type Env = Cloudflare.Env
