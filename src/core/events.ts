/**
 * The one event union every stream source (Jetstream, subscribeRepos) is normalised into.
 * `cursor` is the source's resume position (Jetstream `time_us`, firehose `seq`);
 * `timeUs` is the event time used for post ordering (SPEC §4).
 */
export type RepoEvent = RepoWrite | RepoDelete

interface RepoEventBase {
  did: string
  collection: string
  rkey: string
  timeUs: number
  cursor: number
}

export interface RepoWrite extends RepoEventBase {
  op: 'create' | 'update'
  record: unknown
  cid?: string
}

export interface RepoDelete extends RepoEventBase {
  op: 'delete'
}

export const recordUri = (e: { did: string; collection: string; rkey: string }): string =>
  `at://${e.did}/${e.collection}/${e.rkey}`
