import type { CommunityConfig, Membership, ModerationAction } from './records.js'

/** A community: the config record that owns its id (SPEC §1). */
export interface StoredConfig {
  uri: string
  id: string
  owner: string
  config: CommunityConfig
}

export interface StoredMembership extends Membership {
  uri: string
  did: string
}

export interface StoredAction extends ModerationAction {
  uri: string
  actor: string
  /** `createdAt` as epoch microseconds, for ordering (SPEC §5). */
  createdUs: number
}

export interface IndexedPost {
  community: string
  uri: string
  sortUs: number
  hidden: boolean
}

export interface SkeletonQuery {
  community: string
  /** Serve only posts strictly after this position, in feed order. */
  after?: { sortUs: number; uri: string }
  /** Posts older than this are outside retention and never served. */
  minSortUs: number
  limit: number
}

/** A post as a moderator sees it: its own hide flag and its author's block flag. */
export interface ModeratedPost {
  uri: string
  author: string
  sortUs: number
  hidden: boolean
  blocked: boolean
}

/** An active member by membership record: the earliest `joinedAt` when a DID holds several. */
export interface MemberRow {
  did: string
  joinedAt: string
}

export interface PageQuery<After> {
  after?: After
  limit: number
}

/**
 * The index, as the domain needs it. Synchronous because both backends (better-sqlite3 and
 * Durable Object SQL) are; every method is an indexed lookup or a bounded range scan.
 */
export interface Store {
  transaction<T>(fn: () => T): T
  /**
   * A number that moves whenever the index may have changed: any write that changed a post, config,
   * membership or action (not the cursor), a failed transaction, or another connection's commit.
   * Readers compare it to know a cached answer is still exact. Absent where none is kept.
   */
  indexVersion?(): number

  getCursor(source: string): number | undefined
  setCursor(source: string, cursor: number): void

  getConfig(uri: string): StoredConfig | undefined
  getCommunity(id: string): StoredConfig | undefined
  listCommunities(): StoredConfig[]
  /** Communities in id order, after `after`, optionally of one owner only. */
  communitiesPage(q: PageQuery<string> & { owner?: string }): StoredConfig[]
  /** Configs whose `parentCommunity` is `uri`, in id order. */
  childCommunities(uri: string): StoredConfig[]
  putConfig(config: StoredConfig): void
  deleteConfig(uri: string): void

  putMembership(m: StoredMembership): void
  deleteMembership(uri: string): void
  hasActiveMembership(community: string, did: string): boolean
  /** DIDs with an active membership in `community` (a config URI), in DID order. */
  activeMembers(community: string, q: PageQuery<string>): MemberRow[]
  /** Distinct DIDs with an active membership, plus those of `extra` that have none. */
  countMembers(community: string, extra: readonly string[]): number

  getAction(uri: string): StoredAction | undefined
  putAction(a: StoredAction): void
  deleteAction(uri: string): void
  /** Actions in `community` on any of `targets`. */
  actionsFor(community: string, ...targets: string[]): StoredAction[]
  actionTargets(community: string): string[]
  /** A community's actions, latest first (SPEC §5 order). */
  actionsPage(community: string, q: PageQuery<{ createdUs: number; uri: string }>): StoredAction[]

  /** Sort time of a post already indexed in any community. */
  postSortUs(uri: string): number | undefined
  /** Ids of the communities a post is indexed in. */
  postCommunities(uri: string): string[]
  putPost(post: IndexedPost): void
  removePost(community: string, uri: string): void
  deletePost(uri: string): void
  setPostHidden(community: string, uri: string, hidden: boolean): void
  setAuthorBlocked(community: string, author: string, blocked: boolean): void
  dropCommunityPosts(community: string): void
  skeleton(q: SkeletonQuery): { uri: string; sortUs: number }[]
  /** Visible posts of every community but `exclude`, each post once, in feed order. */
  globalSkeleton(q: Omit<SkeletonQuery, 'community'> & { exclude: string[] }): { uri: string; sortUs: number }[]
  /** Every post of a community, hidden or not, in feed order. */
  moderatedPosts(q: SkeletonQuery): ModeratedPost[]
  /** Posts within retention, and how many of them are hidden by their own action. */
  postCounts(community: string, minSortUs: number): { indexed: number; hidden: number }
  /** Ids of the communities where a post is indexed and visible. */
  visibleCommunities(uri: string): string[]
  /** Deletes up to `limit` posts older than `minSortUs`; returns how many went. */
  purgePosts(minSortUs: number, limit: number): number
  /** Authors with at least one indexed post, for the stage-1 filter. */
  indexedAuthors(): string[]
}
