import type { CommunityConfig, Membership, ModerationAction } from './records.js'

/**
 * A community: one config record. Its AT-URI is its identity everywhere (SPEC §1); `id` only routes,
 * and several communities may share one.
 */
/** `name`: a substring of the community's name (case-insensitive for ASCII letters). */
export type CommunityPageQuery = PageQuery<{ id: string; uri: string }> & { owner?: string; name?: string }

export interface StoredConfig {
  uri: string
  id: string
  owner: string
  config: CommunityConfig
}

export interface StoredMembership extends Membership {
  uri: string
  did: string
  /** When the service first saw the record (epoch µs): records naming unseen configs expire (SPEC §6). */
  seenUs: number
}

export interface StoredAction extends ModerationAction {
  uri: string
  actor: string
  /**
   * The effective time (SPEC §5): the earlier of `createdAt` and first seen, as epoch microseconds,
   * within the safe-integer range. It orders actions.
   */
  effectiveUs: number
  /** When the service first saw the record; kept across updates of the record. */
  seenUs: number
}

export interface IndexedPost {
  /** The community's config AT-URI. */
  community: string
  uri: string
  sortUs: number
  hidden: boolean
  /** The author is blocked in the community (SPEC §5): kept, not shown. Default false. */
  blocked?: boolean
  /** The author is a member (SPEC §4): a non-member's post is kept, not shown. Default true. */
  member?: boolean
}

export interface SkeletonQuery {
  /** The community's config AT-URI. */
  community: string
  /** Serve only posts strictly after this position, in feed order. */
  after?: { sortUs: number; uri: string }
  /** Posts older than this are outside retention and never served. */
  minSortUs: number
  limit: number
}

/** A post as a moderator sees it: its own hide flag, its author's block flag and account status. */
export interface ModeratedPost {
  uri: string
  author: string
  sortUs: number
  hidden: boolean
  blocked: boolean
  /** The author's account is not active (SPEC §4). */
  inactive: boolean
  /** The author is not a member of the community (SPEC §4). */
  notMember: boolean
}

/** An active member by membership record: the earliest `joinedAt` when a DID holds several. */
export interface MemberRow {
  did: string
  joinedAt: string
}

/** A new member whose earlier posts are to be read from their PDS (issue #13, join backfill). */
export interface JoinBackfillJob {
  /** The community's config AT-URI. */
  community: string
  did: string
  queuedUs: number
  /** Not before this time (epoch µs): a failed fetch is retried later. */
  dueUs: number
  attempts: number
}

/**
 * The persisted join-backfill queue, and the post deletes seen for authors in it: a delete the
 * stream delivers while the author's posts are being read wins over the listing (issue #13).
 */
export interface JoinBackfillQueue {
  /** Queues a job; one already queued for the pair is left as it is. */
  queueJoinBackfill(community: string, did: string, nowUs: number): void
  /** Jobs due at `nowUs`, the earliest first. */
  dueJoinBackfills(nowUs: number, limit: number): JoinBackfillJob[]
  /** When the earliest job is due, if any is queued. */
  nextJoinBackfillUs(): number | undefined
  joinBackfillCount(): number
  retryJoinBackfill(community: string, did: string, dueUs: number): void
  /** Removes a job; with the author's last job go their tombstones. */
  finishJoinBackfill(community: string, did: string): void
  hasJoinBackfill(did: string): boolean
  addPostTombstone(uri: string, seenUs: number): void
  hasPostTombstone(uri: string): boolean
  /** Deletes up to `limit` tombstones first seen before `seenBeforeUs`; returns how many went. */
  purgeTombstones(seenBeforeUs: number, limit: number): number
}

/** "Show less like this" (SPEC §12): authors a viewer asked to see less of in a community, until a time. */
export interface ShowLessStore {
  /** Keeps the request; past `maxPerViewer` in the community, the viewer's earliest-expiring ones go. */
  requestLess(community: string, viewer: string, author: string, untilUs: number, maxPerViewer: number): void
  requestMore(community: string, viewer: string, author: string): void
  lessAuthors(community: string, viewer: string, nowUs: number): string[]
  purgeShowLess(nowUs: number, limit: number): number
}

export interface PageQuery<After> {
  after?: After
  limit: number
}

/**
 * The index, as the domain needs it. Synchronous because both backends (better-sqlite3 and
 * Durable Object SQL) are; every method is an indexed lookup or a bounded range scan. A community
 * is always named by its config AT-URI.
 */
export interface Store extends JoinBackfillQueue, ShowLessStore {
  transaction<T>(fn: () => T): T
  /**
   * Runs reads on one snapshot, where a backend makes each statement outside a transaction pay
   * for its own (SQLite in WAL mode takes and drops a shared-memory lock per read transaction).
   * Absent where statements cost nothing extra alone.
   */
  read?<T>(fn: () => T): T
  /**
   * A number that moves whenever the index may have changed: any write that changed a post, config,
   * membership or action (not the cursor), a failed transaction, or another connection's commit.
   * Readers compare it to know a cached answer is still exact. Absent where none is kept.
   */
  indexVersion?(): number

  getCursor(source: string): number | undefined
  setCursor(source: string, cursor: number): void

  getConfig(uri: string): StoredConfig | undefined
  /** Every community whose id is `id`, by URI: usually none or one (SPEC §1). */
  communitiesWithId(id: string): StoredConfig[]
  /** Communities in (id, uri) order, after `after`, optionally of one owner only or matching a name. */
  communitiesPage(q: CommunityPageQuery): StoredConfig[]
  /** Up to `limit` configs whose `parentCommunity` is `uri`, in (id, uri) order. */
  childCommunities(uri: string, limit: number): StoredConfig[]
  putConfig(config: StoredConfig): void
  deleteConfig(uri: string): void

  putMembership(m: StoredMembership): void
  deleteMembership(uri: string): void
  /** Who holds a membership record, and which community it names. */
  getMembership(uri: string): { did: string; community: string } | undefined
  hasActiveMembership(community: string, did: string): boolean
  /**
   * DIDs with an active membership in `community`, in DID order; with `approval`, only those a
   * moderator approved, or only those still undecided (pending, SPEC §9).
   */
  activeMembers(community: string, q: PageQuery<string>, approval?: 'approved' | 'pending'): MemberRow[]
  /** Distinct DIDs with an active membership (approved or pending ones only, when asked), plus those of `extra` that have none. */
  countMembers(community: string, extra: readonly string[], approval?: 'approved' | 'pending'): number
  /** The approval decision in force on `did` in `community` (SPEC §9), as moderation sets it. */
  setMemberApproval(community: string, did: string, approval: 'approved' | 'refused' | undefined): void
  memberApproval(community: string, did: string): 'approved' | 'refused' | undefined
  /** URIs of every membership record in `did`'s repo. */
  membershipsOf(did: string): string[]

  getAction(uri: string): StoredAction | undefined
  putAction(a: StoredAction): void
  deleteAction(uri: string): void
  /**
   * Actions in `community` on any of `targets` written by one of `actors`: only the owner's and the
   * moderators' can decide anything (SPEC §3), so others' are never read, however many there are.
   */
  actionsFor(community: string, targets: readonly string[], actors: readonly string[]): StoredAction[]
  /** Distinct targets of the actions in `community` written by one of `actors`. */
  actionTargetsBy(community: string, actors: readonly string[]): string[]
  /** URIs of every action record in `did`'s repo. */
  actionsOf(did: string): string[]
  /** A community's actions, latest first (SPEC §5 order). */
  actionsPage(community: string, q: PageQuery<{ effectiveUs: number; uri: string }>): StoredAction[]
  /**
   * Deletes up to `limit` memberships and actions that name no known config and were first seen
   * before `seenBeforeUs` (SPEC §6); returns how many went.
   */
  purgeOrphans(seenBeforeUs: number, limit: number): number

  /** Marks an author blocked in a community: their posts leave its skeleton, and they are counted. */
  setAuthorBlocked(community: string, author: string, blocked: boolean): void
  /** How many authors are blocked in a community. */
  blockedCount(community: string): number
  /**
   * Whether an author is a member of a community (SPEC §4): their kept posts there are shown or not,
   * one range update over the author's posts.
   */
  setAuthorMember(community: string, author: string, member: boolean): void
  /** Drops a non-member's oldest posts in a community beyond `max`; returns how many went. */
  capNonMemberPosts(community: string, author: string, max: number): number

  /**
   * Records an account's status (SPEC §4): anything but `undefined` (active) takes its posts out of
   * every skeleton until it is active again, and posts indexed meanwhile start out of them too.
   */
  setAccountStatus(did: string, status: string | undefined, seenUs: number): void
  accountStatus(did: string): string | undefined
  /** Forgets statuses first seen before `seenBeforeUs` of accounts with no indexed post. */
  purgeAccounts(seenBeforeUs: number, limit: number): number

  /** Sort time of a post already indexed in any community. */
  postSortUs(uri: string): number | undefined
  /** URIs of every post by `author` in the index, in any community. */
  authorPosts(author: string): string[]
  /** URIs of the communities a post is indexed in. */
  postCommunities(uri: string): string[]
  /** False when the post was already indexed in that community (a replayed create): nothing changes. */
  putPost(post: IndexedPost): boolean
  removePost(community: string, uri: string): void
  deletePost(uri: string): void
  /** Deletes every post of an author, in every community. */
  deleteAuthorPosts(author: string): void
  setPostHidden(community: string, uri: string, hidden: boolean): void
  dropCommunityPosts(community: string): void
  skeleton(q: SkeletonQuery): { uri: string; sortUs: number }[]
  /** Visible posts of every community but `exclude`, each post once, in feed order. */
  globalSkeleton(q: Omit<SkeletonQuery, 'community'> & { exclude: string[] }): { uri: string; sortUs: number }[]
  /** Every post of a community, hidden or not, in feed order. */
  moderatedPosts(q: SkeletonQuery): ModeratedPost[]
  /** Posts within retention, and how many of them are hidden by their own action. */
  postCounts(community: string, minSortUs: number): { indexed: number; hidden: number }
  /** URIs of the communities where a post is indexed and visible. */
  visibleCommunities(uri: string): string[]
  /** Deletes up to `limit` posts older than `minSortUs`; returns how many went. */
  purgePosts(minSortUs: number, limit: number): number
  /**
   * Authors whose post deletes and updates must pass stage 1: those with an indexed post, and those
   * with a join backfill queued (a delete during its fetch must be seen, issue #13).
   */
  indexedAuthors(): string[]
}
