import type { Feeds } from '../api/app.js'
import { isCommunityId } from '../core/community-id.js'
import type { Interaction } from '../core/interactions.js'
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

/** "Show less" and "show more" (SPEC §12): one call per community object the interactions name (their feedContext is its id). */
export function workerInteractions(env: Env): (viewer: string, items: Interaction[]) => Promise<number> {
  return async (viewer, items) => {
    const byId = new Map<string, Interaction[]>()
    for (const i of items) byId.set(i.community, [...(byId.get(i.community) ?? []), i])
    let applied = 0
    for (const [id, group] of byId) applied += await communityStub(env, id).interactions(viewer, group)
    return applied
  }
}
