import type { AccountEvent } from './events.js'
import { err, ok, type Result } from './result.js'

// Statuses are short lowercase words (`takendown`, `deactivated`, …); anything else is not one.
const STATUS_RE = /^[a-z][a-zA-Z0-9_-]{0,63}$/

/**
 * The status part of a Jetstream `account` object or a firehose `#account` body: `active`, and
 * `status` when not active. Both streams carry the same fields (com.atproto.sync.subscribeRepos#account).
 */
export function accountEventOf(body: Record<string, unknown>, did: string, timeUs: number, cursor: number): Result<AccountEvent> {
  const { active, status } = body
  if (typeof active !== 'boolean') return err('account event has no active flag')
  if (body.did !== undefined && body.did !== did) return err('account event names another did')
  if (status !== undefined && (typeof status !== 'string' || !STATUS_RE.test(status))) return err('account event has an invalid status')
  return ok({ op: 'account', did, active, ...(!active && typeof status === 'string' ? { status } : {}), timeUs, cursor })
}
