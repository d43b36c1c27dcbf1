import { BytesWrapper, CidLinkWrapper, decode, decodeFirst } from '@atcute/cbor'
import { isValidDid, isValidNsid, isValidRecordKey } from '@atproto/syntax'
import { accountEventOf } from './account-event.js'
import { readCarBlocks } from './car-blocks.js'
import type { AccountEvent, RecordEvent } from './events.js'
import { toAtprotoJson } from './record-json.js'
import { err, ok, type Result } from './result.js'
import { clampUs, datetimeToUs } from './time.js'

/** One `com.atproto.sync.subscribeRepos` message, as far as the index cares. */
export type FirehoseMessage =
  | { type: 'commit'; seq: number; did: string; rev: string; events: RecordEvent[]; problems: string[] }
  | { type: 'info'; name: string; message?: string }
  | { type: 'error'; error: string; message?: string }
  | { type: 'account'; event: AccountEvent }
  /** `#identity`, `#sync` and types this service does not know: nothing to index. */
  | { type: 'other'; t: string; seq?: number }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const optString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/** A frame's two DAG-CBOR maps, the header `{op, t}` and the body, decoded. */
export function splitFrame(frame: Uint8Array): Result<{ header: Record<string, unknown>; body: Record<string, unknown> }> {
  let header: unknown
  let body: unknown
  try {
    const [h, rest] = decodeFirst(frame)
    header = h
    body = decode(rest)
  } catch (e) {
    return err(`frame is not DAG-CBOR: ${(e as Error).message}`)
  }
  return isObject(header) && isObject(body) ? ok({ header, body }) : err('frame header or body is not a map')
}

/**
 * Stage 2: a DAG-CBOR header `{op, t}` then a DAG-CBOR body. Only commit bodies open their CAR.
 * An event's time is the frame's `time`, a PDS's claim, capped at `nowUs` (when it is read): a
 * future time would otherwise pin a post at the top of every feed (SPEC §4).
 */
export function decodeFirehoseFrame(frame: Uint8Array, collections: ReadonlySet<string>, nowUs = Date.now() * 1000): Result<FirehoseMessage> {
  const split = splitFrame(frame)
  if (!split.ok) return split
  const { header, body } = split.value
  if (header.op === -1) return ok({ type: 'error', error: optString(body.error) ?? 'unknown', message: optString(body.message) })
  if (header.op !== 1 || typeof header.t !== 'string') return err('frame header has no valid op and t')
  if (header.t === '#info') return ok({ type: 'info', name: optString(body.name) ?? 'unknown', message: optString(body.message) })
  if (header.t === '#account') return decodeAccount(body, nowUs)
  if (header.t !== '#commit') return ok({ type: 'other', t: header.t, ...(Number.isSafeInteger(body.seq) ? { seq: body.seq as number } : {}) })
  return decodeCommit(body, collections, nowUs)
}

function eventTime(time: unknown, nowUs: number): number | undefined {
  const us = datetimeToUs(time)
  return us === undefined ? undefined : clampUs(Math.min(us, nowUs))
}

function decodeCommit(body: Record<string, unknown>, collections: ReadonlySet<string>, nowUs: number): Result<FirehoseMessage> {
  const { seq, repo: did, rev, time, ops, blocks } = body
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return err('commit has no valid seq')
  if (typeof did !== 'string' || !isValidDid(did)) return err('commit has no valid repo')
  if (typeof rev !== 'string') return err('commit has no rev')
  const timeUs = eventTime(time, nowUs)
  if (timeUs === undefined) return err('commit has no valid time')
  if (!Array.isArray(ops)) return err('commit has no ops')
  let records: Map<string, Uint8Array> | undefined
  const events: RecordEvent[] = []
  const problems: string[] = []
  for (const op of ops) {
    if (!isObject(op) || typeof op.path !== 'string') {
      problems.push('op has no path')
      continue
    }
    const slash = op.path.indexOf('/')
    const collection = op.path.slice(0, slash)
    const rkey = op.path.slice(slash + 1)
    if (slash < 0 || !isValidNsid(collection) || !isValidRecordKey(rkey)) {
      problems.push(`op has an invalid path ${op.path}`)
      continue
    }
    if (!collections.has(collection)) continue
    const base = { did, collection, rkey, timeUs, cursor: seq }
    if (op.action === 'delete') {
      events.push({ ...base, op: 'delete' })
      continue
    }
    if ((op.action !== 'create' && op.action !== 'update') || !(op.cid instanceof CidLinkWrapper)) {
      problems.push(`op ${op.path} has no valid action and cid`)
      continue
    }
    // The CAR is opened once, and only for a commit that writes a wanted record.
    records ??= blocks instanceof BytesWrapper ? readCarBlocks(blocks.buf).blocks : new Map()
    const cid = op.cid.$link
    const bytes = records.get(cid)
    if (!bytes) {
      problems.push(`op ${op.path} has no block for ${cid}`)
      continue
    }
    try {
      events.push({ ...base, op: op.action, record: toAtprotoJson(decode(bytes)), cid })
    } catch (e) {
      problems.push(`op ${op.path} record is not DAG-CBOR: ${(e as Error).message}`)
    }
  }
  return ok({ type: 'commit', seq, did, rev, events, problems })
}

function decodeAccount(body: Record<string, unknown>, nowUs: number): Result<FirehoseMessage> {
  const { seq, did, time } = body
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return err('account has no valid seq')
  if (typeof did !== 'string' || !isValidDid(did)) return err('account has no valid did')
  const timeUs = eventTime(time, nowUs)
  if (timeUs === undefined) return err('account has no valid time')
  const event = accountEventOf(body, did, timeUs, seq)
  return event.ok ? ok({ type: 'account', event: event.value }) : event
}
