import type { RepoEvent } from '../../core/events.js'
import { NSID } from '../../core/nsid.js'
import { datetimeToUs } from '../../core/time.js'
import type { StagedRecord } from './backfill-state.js'

const byUri = (a: StagedRecord, b: StagedRecord) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0)

function createdUs(r: StagedRecord): number {
  const value = typeof r.record === 'object' && r.record !== null ? (r.record as { createdAt?: unknown }).createdAt : undefined
  // An invalid createdAt is rejected by validation anyway; sorting it last keeps the order total.
  return datetimeToUs(value) ?? Number.MAX_SAFE_INTEGER
}

/**
 * SPEC §1 backfill rule: an unclaimed community id goes to the config with the earliest
 * `createdAt`, ties to the smaller AT-URI. The Indexer keeps the first claimant, so applying
 * configs in that order implements the rule; an id already in the index keeps its owner.
 * Memberships and actions are order-independent (SPEC §6) and follow in URI order.
 */
export function orderForApply(records: readonly StagedRecord[]): StagedRecord[] {
  const of = (collection: string) => records.filter((r) => r.collection === collection)
  const configs = of(NSID.config).sort((a, b) => createdUs(a) - createdUs(b) || byUri(a, b))
  return [...configs, ...of(NSID.membership).sort(byUri), ...of(NSID.action).sort(byUri)]
}

/** Backfilled records enter the index as create events, through the same rules as the stream. */
export function toCreateEvent(r: StagedRecord, timeUs: number): RepoEvent {
  return { op: 'create', did: r.did, collection: r.collection, rkey: r.rkey, record: r.record, timeUs, cursor: 0 }
}
