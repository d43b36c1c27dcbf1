import type { Reads } from '../api/read-routes.js'
import { parseCommunityRef } from '../core/community-ref.js'
import { communityView } from '../core/read-views.js'
import { err, ok } from '../core/result.js'
import { COMMUNITIES_DIRECTORY, communityStub, directoryStub } from './routing.js'

/**
 * The read queries on Workers: per-community ones inside the community's object (its store holds
 * that community's config, members, actions and posts), the tree from the communities directory.
 */
export function workerReads(env: Env): Reads {
  // A reference that names no community never creates an object.
  const stubFor = (community: string) => {
    const ref = parseCommunityRef(community)
    return ref.ok ? ok(communityStub(env, ref.value.id)) : err({ error: 'InvalidRequest' as const, message: ref.error })
  }
  const tree = () => directoryStub(env, COMMUNITIES_DIRECTORY)
  return {
    async getCommunity(params) {
      const stub = stubFor(params.community)
      if (!stub.ok) return stub
      const core = await stub.value.readCommunity(params)
      return core.ok ? ok(communityView(core.value, await tree().hierarchy(core.value.uri))) : core
    },
    listCommunities: (params) => tree().listCommunityPage(params),
    async getMembers(params) {
      const stub = stubFor(params.community)
      return stub.ok ? stub.value.members(params) : stub
    },
    async getActions(params) {
      const stub = stubFor(params.community)
      return stub.ok ? stub.value.actions(params) : stub
    },
    async getPosts(params, viewer) {
      const stub = stubFor(params.community)
      return stub.ok ? stub.value.posts(params, viewer) : stub
    },
  }
}
