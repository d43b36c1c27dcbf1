import type { ActionKind } from './records.js'
import type { StoredAction, StoredConfig } from './store.js'

/** Whether `did` may moderate under the config in force (SPEC §3). */
export const canModerate = (community: StoredConfig, did: string): boolean =>
  did === community.owner || community.config.moderators.includes(did)

const authoritiesOf = new WeakMap<StoredConfig, readonly string[]>()

/**
 * The DIDs whose actions can be in force: the owner and the moderators (SPEC §3). Asked for every
 * post indexed; stored configs are frozen and shared, so the list is built once per config.
 */
export function authorities(community: StoredConfig): readonly string[] {
  let dids = authoritiesOf.get(community)
  if (!dids) authoritiesOf.set(community, (dids = [community.owner, ...community.config.moderators]))
  return dids
}

/** Latest first: largest effective time, then AT-URI descending (SPEC §5). */
export function compareActions(a: StoredAction, b: StoredAction): number {
  if (a.effectiveUs !== b.effectiveUs) return b.effectiveUs - a.effectiveUs
  return a.uri < b.uri ? 1 : a.uri > b.uri ? -1 : 0
}

/** The action that decides a target: the latest one in force, or none. */
export function decidingAction(community: StoredConfig, actions: readonly StoredAction[]): StoredAction | undefined {
  let best: StoredAction | undefined
  for (const a of actions) {
    if (!canModerate(community, a.actor)) continue
    if (best === undefined || compareActions(a, best) < 0) best = a
  }
  return best
}

export interface TargetState {
  hidden: boolean
  blocked: boolean
  /** Under approval: approved, refused (rejected, or blocked since), or undecided (pending). */
  approval: 'approved' | 'refused' | undefined
}

// Each question is decided by the latest action in force among the kinds that answer it (SPEC §5):
// an approval does not lift a block, an unblock does not restore an approval, a block ends one.
const HIDING: ReadonlySet<ActionKind> = new Set(['hide_post', 'unhide_post'])
const BLOCKING: ReadonlySet<ActionKind> = new Set(['block_user', 'unblock_user'])
const APPROVING: ReadonlySet<ActionKind> = new Set(['approve_member', 'reject_member', 'block_user'])

/** Hidden, blocked and approval state for one target; the defaults are visible, not blocked, undecided. */
export function targetState(community: StoredConfig, target: string, actions: readonly StoredAction[]): TargetState {
  const latest = (kinds: ReadonlySet<ActionKind>) => decidingAction(community, actions.filter((a) => kinds.has(a.action)))?.action
  const approving = latest(APPROVING)
  return {
    hidden: latest(HIDING) === 'hide_post',
    // Blocking the owner would let a moderator silence the community's owner.
    blocked: latest(BLOCKING) === 'block_user' && target !== community.owner,
    approval: approving === undefined ? undefined : approving === 'approve_member' ? 'approved' : 'refused',
  }
}

/**
 * Whether `action` decides some question about its target: it is the latest in force among the
 * actions of a kind that answers it. `sameTarget`: the community's actions on the same target.
 */
export function decidesSomething(community: StoredConfig, action: StoredAction, sameTarget: readonly StoredAction[]): boolean {
  return [HIDING, BLOCKING, APPROVING].some(
    (kinds) => kinds.has(action.action) && decidingAction(community, sameTarget.filter((a) => kinds.has(a.action)))?.uri === action.uri,
  )
}

/** Whether joining takes a moderator's approval (SPEC §9). */
export const needsApproval = (community: StoredConfig): boolean => community.config.membership === 'approval'
