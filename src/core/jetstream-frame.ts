import { isValidDid, isValidNsid, isValidRecordKey } from '@atproto/syntax'
import { accountEventOf } from './account-event.js'
import type { RepoEvent } from './events.js'
import { err, ok, type Result } from './result.js'

const OPERATIONS = new Set(['create', 'update', 'delete'])

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Stage 2: a strict parse of one Jetstream frame into the event union. `ok(undefined)` is a
 * well-formed frame the index does not use (identity, other collections).
 */
export function parseJetstreamFrame(raw: string, collections: ReadonlySet<string>): Result<RepoEvent | undefined> {
  let frame: unknown
  try {
    frame = JSON.parse(raw)
  } catch {
    return err('frame is not JSON')
  }
  if (!isObject(frame)) return err('frame is not an object')
  const { did, time_us: timeUs, kind, commit } = frame
  if (typeof did !== 'string' || !isValidDid(did)) return err('frame has no valid did')
  if (typeof timeUs !== 'number' || !Number.isSafeInteger(timeUs) || timeUs <= 0) return err('frame has no valid time_us')
  if (kind === 'account') {
    if (!isObject(frame.account)) return err('account frame has no account')
    return accountEventOf(frame.account, did, timeUs, timeUs)
  }
  if (kind !== 'commit') return typeof kind === 'string' ? ok(undefined) : err('frame has no kind')
  if (!isObject(commit)) return err('commit frame has no commit')
  const { operation, collection, rkey, record, cid } = commit
  if (typeof operation !== 'string' || !OPERATIONS.has(operation)) return err('commit has an unknown operation')
  if (typeof collection !== 'string' || !isValidNsid(collection)) return err('commit has no valid collection')
  if (typeof rkey !== 'string' || !isValidRecordKey(rkey)) return err('commit has no valid rkey')
  if (!collections.has(collection)) return ok(undefined)
  const base = { did, collection, rkey, timeUs, cursor: timeUs }
  if (operation === 'delete') return ok({ ...base, op: 'delete' })
  if (!isObject(record)) return err(`${operation} has no record`)
  return ok({ ...base, op: operation as 'create' | 'update', record, ...(typeof cid === 'string' ? { cid } : {}) })
}
