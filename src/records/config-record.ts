import { communityIdOf, configUriOf, hashtagOf } from '../core/community-id.js'
import { NSID } from '../core/nsid.js'
import type { FeedMix, MembershipPolicy, Stage } from '../core/records.js'
import { validateConfig } from '../core/record-validation.js'
import { err, ok, type Result } from '../core/result.js'

export interface NewConfig {
  ownerDid: string
  rkey: string
  name: string
  description?: string
  stage?: Stage
  parentCommunity?: string
  feedMix?: FeedMix
  moderators?: string[]
  /** Written only when `approval`: absent means open, which older readers also understand. */
  membership?: MembershipPolicy
  pinnedPosts?: string[]
  allowAdult?: boolean
  createdAt: string
}

export interface BuiltConfig {
  uri: string
  id: string
  hashtag: string
  record: Record<string, unknown>
}

/**
 * The record exactly as it will be written. The hashtag can only be derived once the AT-URI is
 * fixed (SPEC §1), which is why the caller picks the record key rather than the PDS.
 */
export function buildConfigRecord(c: NewConfig): Result<BuiltConfig> {
  const uri = configUriOf(c.ownerDid, c.rkey)
  const id = communityIdOf(uri)
  const hashtag = hashtagOf(id)
  const record: Record<string, unknown> = {
    $type: NSID.config,
    name: c.name,
    ...(c.description !== undefined ? { description: c.description } : {}),
    hashtag,
    stage: c.stage ?? 'theme',
    ...(c.parentCommunity !== undefined ? { parentCommunity: c.parentCommunity } : {}),
    feedMix: c.feedMix ?? { own: 100, parent: 0, global: 0 },
    moderators: [...new Set(c.moderators ?? [])],
    ...(c.membership === 'approval' ? { membership: 'approval' } : {}),
    ...(c.pinnedPosts && c.pinnedPosts.length > 0 ? { pinnedPosts: [...new Set(c.pinnedPosts)] } : {}),
    ...(c.allowAdult ? { contentPolicy: { allowAdult: true } } : {}),
    createdAt: c.createdAt,
  }
  const valid = validateConfig(uri, record)
  return valid.ok ? ok({ uri, id, hashtag, record }) : err(valid.error)
}

export interface ConfigChanges {
  name?: string
  description?: string
  stage?: Stage
  /** `null` removes the parent. */
  parentCommunity?: string | null
  feedMix?: FeedMix
  membership?: MembershipPolicy
  /** Replaces the pinned posts; `[]` removes them. */
  pinnedPosts?: string[]
  allowAdult?: boolean
  addModerators?: string[]
  removeModerators?: string[]
}

export const hasChanges = (c: ConfigChanges): boolean =>
  c.pinnedPosts !== undefined || Object.values(c).some((v) => v !== undefined && !(Array.isArray(v) && v.length === 0))

/**
 * Applies changes to the record as stored, keeping fields this tool does not know about
 * (atproto records may carry extra fields), then validates the result.
 */
export function applyConfigChanges(uri: string, current: Record<string, unknown>, c: ConfigChanges): Result<Record<string, unknown>> {
  const next: Record<string, unknown> = { ...current, $type: NSID.config }
  if (c.name !== undefined) next.name = c.name
  if (c.description !== undefined) next.description = c.description
  if (c.stage !== undefined) next.stage = c.stage
  if (c.parentCommunity === null) delete next.parentCommunity
  else if (c.parentCommunity !== undefined) next.parentCommunity = c.parentCommunity
  if (c.feedMix !== undefined) next.feedMix = c.feedMix
  if (c.membership === 'approval') next.membership = 'approval'
  else if (c.membership === 'open') delete next.membership
  if (c.pinnedPosts !== undefined && c.pinnedPosts.length > 0) next.pinnedPosts = [...new Set(c.pinnedPosts)]
  else if (c.pinnedPosts !== undefined) delete next.pinnedPosts
  if (c.allowAdult === true) next.contentPolicy = { ...(next.contentPolicy as object | undefined), allowAdult: true }
  else if (c.allowAdult === false) delete next.contentPolicy
  const before = Array.isArray(current.moderators) ? (current.moderators as unknown[]) : []
  const removed = new Set(c.removeModerators ?? [])
  next.moderators = [...new Set([...before, ...(c.addModerators ?? [])])].filter((d) => !removed.has(d as string))
  const valid = validateConfig(uri, next)
  return valid.ok ? ok(next) : err(valid.error)
}
