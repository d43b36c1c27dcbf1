/**
 * The one event union every stream source (Jetstream, subscribeRepos) is normalised into.
 * `cursor` is the source's resume position (Jetstream `time_us`, firehose `seq`);
 * `timeUs` is the event time used for post ordering (SPEC §4).
 */
export type RepoEvent = RepoWrite | RepoDelete | AccountEvent

/** An event about one record. */
export type RecordEvent = RepoWrite | RepoDelete

interface EventBase {
  did: string
  timeUs: number
  cursor: number
}

interface RecordEventBase extends EventBase {
  collection: string
  rkey: string
}

export interface RepoWrite extends RecordEventBase {
  op: 'create' | 'update'
  record: unknown
  cid?: string
  /**
   * Read from a PDS listing, not the stream (issue #13): it queues no join backfill, and a post
   * loses to a delete the stream delivered while its author's posts were being read.
   */
  backfill?: boolean
}

export interface RepoDelete extends RecordEventBase {
  op: 'delete'
}

/**
 * An account's hosting status changed (Jetstream `account`, firehose `#account`). `status` is
 * absent when the account is active; otherwise `deactivated`, `suspended`, `takendown`, `deleted`
 * or another value a host may add, all of which mean "not active" (SPEC §4).
 */
export interface AccountEvent extends EventBase {
  op: 'account'
  active: boolean
  status?: string
}

/** Account statuses that end the account: everything of it leaves the index. */
export const DELETED_STATUS = 'deleted'

export const isRecordEvent = (e: RepoEvent): e is RecordEvent => e.op !== 'account'

export const recordUri = (e: { did: string; collection: string; rkey: string }): string =>
  `at://${e.did}/${e.collection}/${e.rkey}`
