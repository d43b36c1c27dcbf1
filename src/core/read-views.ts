import type { CommunityConfig, Role, Stage } from './records.js'
import type { Result } from './result.js'

/** Expected failures of the read queries; the API turns them into XRPC errors. */
export interface ReadError {
  error: 'InvalidRequest' | 'UnknownCommunity' | 'Forbidden'
  message: string
}
export type ReadResult<T> = Result<T, ReadError>

export interface PageParams {
  limit: number
  cursor?: string
}
export interface CommunityParams {
  community: string
}
export type CommunityPageParams = CommunityParams & PageParams
/** `q`: a substring of the name. */
export type ListCommunitiesParams = PageParams & { owner?: string; q?: string }

export interface CommunitySummary {
  uri: string
  id: string
  owner: string
  name: string
  stage: Stage
}

export interface CommunityCounts {
  members: number
  postsIndexed: number
  postsHidden: number
  blockedUsers: number
  /** Under approval (SPEC §9): active memberships waiting for a decision. */
  pendingMembers?: number
}

/** What the community's own shard knows; parent and children come from the community tree. */
export interface CommunityCore {
  uri: string
  id: string
  owner: string
  config: CommunityConfig
  moderators: string[]
  stage: Stage
  counts: CommunityCounts
}

export interface CommunityHierarchy {
  parent?: string
  children: CommunitySummary[]
}

export type CommunityView = CommunityCore & CommunityHierarchy

export interface MemberView {
  did: string
  role: Role
  joinedAt?: string
}

export type ActionStatus = 'inForce' | 'withdrawn' | 'unauthorized'
export interface ActionView {
  uri: string
  actor: string
  action: string
  target: string
  reason?: string
  createdAt: string
  status: ActionStatus
}

export type PostStatus = 'visible' | 'hidden' | 'authorBlocked' | 'authorNotMember'
export interface PostView {
  uri: string
  author: string
  sortAt: string
  status: PostStatus
}

export type Paged<K extends string, T> = { [P in K]: T[] } & { cursor?: string }

export const communityView = (core: CommunityCore, tree: CommunityHierarchy): CommunityView => ({
  ...core,
  ...(tree.parent !== undefined ? { parent: tree.parent } : {}),
  children: tree.children,
})
