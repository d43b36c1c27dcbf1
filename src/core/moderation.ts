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
}

/** Hidden or blocked state for one target; the defaults are visible and not blocked. */
export function targetState(community: StoredConfig, target: string, actions: readonly StoredAction[]): TargetState {
  const action = decidingAction(community, actions)?.action
  return {
    hidden: action === 'hide_post',
    // Blocking the owner would let a moderator silence the community's owner.
    blocked: action === 'block_user' && target !== community.owner,
  }
}
