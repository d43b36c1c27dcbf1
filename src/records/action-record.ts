import { NSID } from '../core/nsid.js'
import type { ActionKind } from '../core/records.js'
import { checkReasonPrivacy } from '../core/reason-privacy.js'
import { validateAction } from '../core/record-validation.js'
import { err, ok, type Result } from '../core/result.js'

export interface NewAction {
  action: ActionKind
  target: string
  community: string
  reason?: string
  createdAt: string
}

/** SPEC §8: a public `reason` must not carry contact details. */
export function checkReason(reason: string | undefined): Result<void> {
  if (reason === undefined) return ok(undefined)
  const safe = checkReasonPrivacy(reason)
  return safe.ok ? ok(undefined) : err(`refusing to write this action: ${safe.error}`)
}

/** A moderation action, refused when its public `reason` would leak contact details (SPEC §8). */
export function buildActionRecord(a: NewAction): Result<Record<string, unknown>> {
  const safe = checkReason(a.reason)
  if (!safe.ok) return safe
  const record = {
    $type: NSID.action,
    action: a.action,
    target: a.target,
    community: a.community,
    ...(a.reason !== undefined ? { reason: a.reason } : {}),
    createdAt: a.createdAt,
  }
  const valid = validateAction(record)
  return valid.ok ? ok(record) : err(valid.error)
}
