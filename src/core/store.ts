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
  author: string
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

/**
 * The index, as the domain needs it. Synchronous because both backends (better-sqlite3 and
 * Durable Object SQL) are; every method is an indexed lookup or a bounded range scan.
 */
export interface Store {
  transaction<T>(fn: () => T): T

  getCursor(source: string): number | undefined
  setCursor(source: string, cursor: number): void

  getConfig(uri: string): StoredConfig | undefined
  getCommunity(id: string): StoredConfig | undefined
  listCommunities(): StoredConfig[]
  putConfig(config: StoredConfig): void
  deleteConfig(uri: string): void

  putMembership(m: StoredMembership): void
  deleteMembership(uri: string): void
  hasActiveMembership(community: string, did: string): boolean

  getAction(uri: string): StoredAction | undefined
  putAction(a: StoredAction): void
  deleteAction(uri: string): void
  actionsFor(community: string, target: string): StoredAction[]
  actionTargets(community: string): string[]

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
  /** Ids of the communities where a post is indexed and visible. */
  visibleCommunities(uri: string): string[]
  /** Deletes up to `limit` posts older than `minSortUs`; returns how many went. */
  purgePosts(minSortUs: number, limit: number): number
  /** Authors with at least one indexed post, for the stage-1 filter. */
  indexedAuthors(): string[]
}
