import type { RepoEvent } from './events.js'

const isoUs = (us: number): string => new Date(Math.floor(us / 1000)).toISOString()

/**
 * An event as Jetstream would send it: what parseJetstreamFrame reads back to the same event. The
 * Workers receiver sends firehose events on in this form, so the queue consumer reads one format.
 */
export function jetstreamFrameOf(e: RepoEvent): Record<string, unknown> {
  if (e.op === 'account') {
    return { did: e.did, time_us: e.timeUs, kind: 'account', account: { active: e.active, did: e.did, seq: e.cursor, time: isoUs(e.timeUs), ...(e.status ? { status: e.status } : {}) } }
  }
  const commit: Record<string, unknown> = { rev: `3m${e.timeUs.toString(36)}`, operation: e.op, collection: e.collection, rkey: e.rkey }
  if (e.op !== 'delete') {
    commit.record = e.record
    // Jetstream always names the record's CID; nothing downstream reads it, so a stand-in will do.
    commit.cid = e.cid ?? 'bafyreigdmzwt3yd6z5k3ndpq5xwpb5cb3ds4jq6ztrbt2lpsmmgkqkmesm'
  }
  return { did: e.did, time_us: e.timeUs, kind: 'commit', commit }
}
