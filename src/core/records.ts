/**
 * Typed views of the three net.atrarium.* records, produced only by the validators in
 * `record-validation.ts`. The lexicon JSON documents under `lexicons/` are the source of truth.
 */
export type Stage = 'theme' | 'community' | 'graduated'
export type Role = 'owner' | 'moderator' | 'member'
export type ActionKind = 'hide_post' | 'unhide_post' | 'block_user' | 'unblock_user' | 'approve_member' | 'reject_member'
/** Who becomes a member by writing a membership record: anyone (open), or whom a moderator approves. */
export type MembershipPolicy = 'open' | 'approval'

/** Shares are integers 0–100 summing to 100 (SPEC §2). */
export interface FeedMix {
  own: number
  parent: number
  global: number
}

export interface CommunityConfig {
  name: string
  description?: string
  hashtag: string
  stage: Stage
  parentCommunity?: string
  feedMix: FeedMix
  /** Deduplicated, in first-seen order. */
  moderators: string[]
  /** Absent means open; configs indexed before the field existed have none. */
  membership?: MembershipPolicy
  /** Post AT-URIs the first page starts with (SPEC §10): at most 3, deduplicated, in order. */
  pinnedPosts?: string[]
  /** What posts the community takes (SPEC §11); absent means no adult or graphic content. */
  contentPolicy?: ContentPolicy
  createdAt: string
}

export interface ContentPolicy {
  allowAdult: boolean
}

export interface Membership {
  community: string
  role: Role
  joinedAt: string
  active: boolean
}

export interface ModerationAction {
  action: ActionKind
  target: string
  community: string
  reason?: string
  createdAt: string
}

export const DEFAULT_FEED_MIX: FeedMix = { own: 100, parent: 0, global: 0 }
