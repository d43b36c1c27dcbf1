import { canModerate, decidesSomething } from './moderation.js'
import type { ActionStatus, PostStatus } from './read-views.js'
import type { ModeratedPost, StoredAction, StoredConfig } from './store.js'

/**
 * An action's standing under the config in force (SPEC §3, §5): not the owner's or a moderator's
 * → unauthorized; the latest authorized one for its target among the kinds that answer one question
 * (hidden, blocked, approved) → in force; any earlier one → withdrawn.
 */
export function actionStatus(community: StoredConfig, action: StoredAction, sameTarget: readonly StoredAction[]): ActionStatus {
  if (!canModerate(community, action.actor)) return 'unauthorized'
  return decidesSomething(community, action, sameTarget) ? 'inForce' : 'withdrawn'
}

/** The post's own hide comes first: it outlasts an unblock of its author. */
export const postStatus = (p: ModeratedPost): PostStatus =>
  p.hidden ? 'hidden' : p.blocked ? 'authorBlocked' : p.notMember ? 'authorNotMember' : 'visible'
