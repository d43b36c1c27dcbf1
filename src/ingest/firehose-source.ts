import { decode, decodeFirst } from '@atcute/cbor'
import { decodeFirehoseFrame } from '../core/firehose-frame.js'
import { indexOfBytes, isCommitFrame, passesFirehosePrefilter, peekRepo, peekSeq, tracksAuthor, type FindBytes } from '../core/firehose-prefilter.js'
import { NSID, WANTED_COLLECTIONS } from '../core/nsid.js'
import { err, ok } from '../core/result.js'
import { hexOf, isNodeBuffer } from './bytes.js'
import type { Stage1, StreamSource } from './stream-source.js'

const COLLECTIONS = new Set<string>(WANTED_COLLECTIONS)
// On Node frames arrive as Buffers, whose native search is several times faster than the portable
// one; the Workers host hands plain bytes.
type BufferSearch = { indexOf(needle: Uint8Array, from: number): number }
const find: FindBytes = (hay, needle, from = 0) => (isNodeBuffer(hay) ? (hay as unknown as BufferSearch).indexOf(needle, from) : indexOfBytes(hay, needle, from))
export const DEFAULT_FIREHOSE_MAX_MESSAGE_BYTES = 1024 * 1024

/** The saved-cursor key of a firehose host: seqs are per host, so one relay's cursor never goes to another. */
export const firehoseCursorKey = (url: string): string => `firehose:${new URL(url).host}`

/**
 * `com.atproto.sync.subscribeRepos` of a relay or PDS: DAG-CBOR frames, cursor `seq`. The server
 * sends every event after `cursor`, and seq is monotonic per host, so resuming from the max
 * committed seq leaves no gap and needs no rewind (replays would be harmless, indexing is idempotent).
 */
export function firehoseSource(opts: { url: string; maxMessageBytes?: number; passIdentity?: boolean }): StreamSource<Uint8Array> {
  const base = new URL(opts.url)
  if (base.protocol !== 'ws:' && base.protocol !== 'wss:') throw new TypeError(`firehose URL must be ws:// or wss:// (got ${base.protocol})`)
  base.pathname = `${base.pathname.replace(/\/+$/, '')}/xrpc/${NSID.subscribeRepos}`
  return {
    name: 'firehose',
    key: firehoseCursorKey(opts.url),
    maxMessageBytes: opts.maxMessageBytes ?? DEFAULT_FIREHOSE_MAX_MESSAGE_BYTES,
    url(cursor) {
      const u = new URL(base)
      u.searchParams.delete('cursor')
      // No positive cursor means no durable position (or a forgotten one): follow live.
      if (cursor !== undefined && Number.isSafeInteger(cursor) && cursor > 0) u.searchParams.set('cursor', String(cursor))
      return u.toString()
    },
    fromWire: (data) => data,
    cursorOf: peekSeq,
    stage1(raw, hasIndexedAuthor) {
      if (!isCommitFrame(raw)) return classify(raw, opts.passIdentity ?? false)
      if (!passesFirehosePrefilter(raw, hasIndexedAuthor, find)) return { pass: false }
      const postAuthor = tracksAuthor(raw, find) ? peekRepo(raw) : undefined
      return postAuthor ? { pass: true, postAuthor } : { pass: true }
    },
    decode(raw) {
      const m = decodeFirehoseFrame(raw, COLLECTIONS)
      if (!m.ok) return m
      if (m.value.type === 'commit') return ok({ events: m.value.events, problems: m.value.problems })
      if (m.value.type === 'account') return ok({ events: [m.value.event] })
      return m.value.type === 'other' ? ok({ events: [] }) : err(`unexpected ${m.value.type} frame at stage 2`)
    },
    preview: (raw) => hexOf(raw.subarray(0, 96)),
  }
}

/**
 * Frames other than commits are rare, so their tiny header may be decoded here. Account frames pass
 * (a status change hides or removes an account's records, SPEC §4); identity and sync frames change
 * nothing indexed and stop at stage 1, where only their seq moves the cursor, except identity frames
 * when commits are verified (`passIdentity`): they tell the verifier, in stream order, that a repo's
 * key may have changed.
 */
function classify(raw: Uint8Array, passIdentity: boolean): Stage1 {
  let header: { op?: unknown; t?: unknown }
  let rest: Uint8Array
  try {
    ;[header, rest] = decodeFirst(raw)
  } catch {
    return { pass: true } // stage 2 counts and logs the malformed frame
  }
  if (header?.op === -1 || header?.t === '#info') {
    let body: Record<string, unknown> = {}
    try {
      body = decode(rest) ?? {}
    } catch {}
    const text = (v: unknown) => (typeof v === 'string' ? v : undefined)
    const message = text(body.message)
    if (header.t === '#info') return { control: { action: 'continue', reason: text(body.name) ?? 'unknown', ...(message ? { message } : {}) } }
    const reason = text(body.error) ?? 'unknown'
    // FutureCursor: the saved seq is ahead of this host (a reset, or another host's seq): go live.
    return { control: { action: reason === 'FutureCursor' ? 'live' : 'reconnect', reason, ...(message ? { message } : {}) } }
  }
  // A commit whose header is not in canonical form goes to stage 2, which judges it.
  if (header?.op === 1 && (header.t === '#account' || (passIdentity && header.t === '#identity'))) return { pass: true }
  return header?.op === 1 && typeof header.t === 'string' && header.t !== '#commit' ? { pass: false } : { pass: true }
}
