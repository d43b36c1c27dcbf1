declare namespace Cloudflare {
  interface Env {
    COMMUNITY_FEED: DurableObjectNamespace<import('./index.js').CommunityFeedGenerator>
  }
}
