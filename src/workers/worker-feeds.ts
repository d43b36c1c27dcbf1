import type { Feeds } from '../api/app.js'
import { isCommunityId } from '../core/community-id.js'
import { parseFeedUri } from '../core/feed-service.js'
import { NSID } from '../core/nsid.js'
import { err } from '../core/result.js'
import { COMMUNITIES_DIRECTORY, communityStub, directoryStub } from './routing.js'

/** The read side on Workers: one RPC to the community's object, or to the communities directory. */
export function workerFeeds(env: Env, serviceDid: string): Feeds {
  return {
    async getFeedSkeleton(params) {
      const parsed = parseFeedUri(params.feed)
      if (!parsed.ok) return err({ error: 'InvalidRequest', message: parsed.error })
      // An id that cannot be a community never creates an object.
      if (!isCommunityId(parsed.value.rkey)) return err({ error: 'UnknownFeed', message: `unknown feed ${params.feed}` })
      return communityStub(env, parsed.value.rkey).skeleton(params)
    },
    async describeFeedGenerator() {
      const communities = await directoryStub(env, COMMUNITIES_DIRECTORY).listCommunities()
      return { did: serviceDid, feeds: communities.map((c) => ({ uri: `at://${c.owner}/${NSID.feedGenerator}/${c.id}` })) }
    },
  }
}
