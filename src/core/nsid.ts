/** Lexicon NSIDs the service reads or serves. Use these, never string literals. */
export const NSID = {
  config: 'net.atrarium.community.config',
  membership: 'net.atrarium.community.membership',
  action: 'net.atrarium.moderation.action',
  post: 'app.bsky.feed.post',
  like: 'app.bsky.feed.like',
  repost: 'app.bsky.feed.repost',
  follow: 'app.bsky.graph.follow',
  feedGenerator: 'app.bsky.feed.generator',
  getFeedSkeleton: 'app.bsky.feed.getFeedSkeleton',
  describeFeedGenerator: 'app.bsky.feed.describeFeedGenerator',
  sendInteractions: 'app.bsky.feed.sendInteractions',
  subscribeRepos: 'com.atproto.sync.subscribeRepos',
  getCommunity: 'net.atrarium.community.getCommunity',
  listCommunities: 'net.atrarium.community.listCommunities',
  getMembers: 'net.atrarium.community.getMembers',
  getPosts: 'net.atrarium.community.getPosts',
  getActions: 'net.atrarium.moderation.getActions',
  adminStartBackfill: 'net.atrarium.admin.startBackfill',
  adminGetBackfill: 'net.atrarium.admin.getBackfill',
} as const

/** The collections the stream must deliver, in the order Jetstream is asked for them. */
export const WANTED_COLLECTIONS = [NSID.post, NSID.config, NSID.membership, NSID.action] as const
