import { NSID } from '../core/nsid.js'
import type { CommunityConfig, Role } from '../core/records.js'
import { validateMembership } from '../core/record-validation.js'
import { err, ok, type Result } from '../core/result.js'

/** The role a member claims. It grants nothing (SPEC §3), so it only mirrors the config. */
export function claimedRole(did: string, ownerDid: string, config: CommunityConfig): Role {
  if (did === ownerDid) return 'owner'
  return config.moderators.includes(did) ? 'moderator' : 'member'
}

export function buildMembershipRecord(community: string, role: Role, joinedAt: string, active = true): Result<Record<string, unknown>> {
  const record = { $type: NSID.membership, community, role, joinedAt, active }
  const valid = validateMembership(record)
  return valid.ok ? ok(record) : err(valid.error)
}
