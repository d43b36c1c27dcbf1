import type { Feeds } from '../api/app.js'
import { isCommunityId } from '../core/community-id.js'
import { describeFeeds, MAX_DESCRIBED_FEEDS, parseFeedUri } from '../core/feed-service.js'
import { err } from '../core/result.js'
import { COMMUNITIES_DIRECTORY, communityStub, directoryStub } from './routing.js'

/** The read side on Workers: one RPC to the community's object, or to the communities directory. */
export function workerFeeds(env: Env, serviceDid: string): Feeds {
  return {
    async getFeedSkeleton(params) {
      const parsed = parseFeedUri(params.feed)
      if (!parsed.ok) return err({ error: 'InvalidRequest', message: parsed.error })
      // An id that cannot be a community never reaches an object.
      if (!isCommunityId(parsed.value.rkey)) return err({ error: 'UnknownFeed', message: `unknown feed ${params.feed}` })
      return communityStub(env, parsed.value.rkey).skeleton(params)
    },
    async describeFeedGenerator() {
      return describeFeeds(serviceDid, await directoryStub(env, COMMUNITIES_DIRECTORY).communityPage(MAX_DESCRIBED_FEEDS))
    },
  }
}
