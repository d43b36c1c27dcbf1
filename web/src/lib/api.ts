import { NSID } from '../../../src/core/nsid.js'
import type {
  ActionView, CommunitySummary, CommunityView, MemberView, Paged, PostView,
} from '../../../src/core/read-views.js'
import { xrpcGet } from './xrpc.js'

export type { ActionView, CommunitySummary, CommunityView, MemberView, PostView }

/** This service's read API, same origin as the page. */
export const api = {
  listCommunities: (p: { q?: string; owner?: string; cursor?: string; limit?: number }) =>
    xrpcGet<Paged<'communities', CommunitySummary>>('', NSID.listCommunities, { limit: 50, ...p }),
  getCommunity: (community: string) => xrpcGet<CommunityView>('', NSID.getCommunity, { community }),
  /** `pending`: those waiting for approval (SPEC §9), rather than the members. */
  getMembers: (community: string, cursor?: string, status?: 'pending') =>
    xrpcGet<Paged<'members', MemberView>>('', NSID.getMembers, { community, cursor, limit: 100, status }),
  getActions: (community: string, cursor?: string) =>
    xrpcGet<Paged<'actions', ActionView>>('', NSID.getActions, { community, cursor, limit: 100 }),
  getPosts: (community: string, jwt: string, cursor?: string) =>
    xrpcGet<Paged<'posts', PostView>>('', NSID.getPosts, { community, cursor, limit: 100 }, { headers: { Authorization: `Bearer ${jwt}` } }),
  getFeedSkeleton: (feed: string, cursor?: string) =>
    xrpcGet<{ feed: { post: string; reason?: { $type: string } }[]; cursor?: string }>('', NSID.getFeedSkeleton, { feed, cursor, limit: 30 }),
}
