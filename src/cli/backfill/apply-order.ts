import type { RepoEvent } from '../../core/events.js'
import { NSID } from '../../core/nsid.js'
import type { StagedRecord } from './backfill-state.js'

const byUri = (a: StagedRecord, b: StagedRecord) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0)

/**
 * Every valid config is a community, whatever shares its id (SPEC §1), so nothing depends on the
 * order of configs, and `createdAt` (a claim) decides nothing. Configs go first only so that a
 * run's log reads in a natural order; memberships and actions are order-independent (SPEC §6).
 */
export function orderForApply(records: readonly StagedRecord[]): StagedRecord[] {
  const of = (collection: string) => records.filter((r) => r.collection === collection).sort(byUri)
  return [...of(NSID.config), ...of(NSID.membership), ...of(NSID.action)]
}

/**
 * Backfilled records enter the index as create events, through the same rules as the stream; a run
 * reads every member's posts itself, so they queue no join backfill.
 */
export function toCreateEvent(r: Omit<StagedRecord, 'uri'>, timeUs: number): RepoEvent {
  return { op: 'create', did: r.did, collection: r.collection, rkey: r.rkey, record: r.record, timeUs, cursor: 0, backfill: true }
}
