import { peekBodyField } from './cbor-peek.js'
import { NSID } from './nsid.js'

/**
 * Stage 1 for `subscribeRepos` frames, on the raw bytes and before any CBOR decode. DAG-CBOR text
 * is plain UTF-8, so hashtags, NSIDs and op actions can be found by byte search, as Jetstream's
 * stage 1 finds them in JSON text.
 */
const enc = new TextEncoder()
const bytes = (s: string) => enc.encode(s)
// Canonical DAG-CBOR orders map keys by length, so every commit header is exactly {t, op}.
const COMMIT_HEADER = Uint8Array.of(0xa2, 0x61, 0x74, 0x67, ...bytes('#commit'), 0x62, 0x6f, 0x70, 0x01)
// One scan for the stem shared by both marks, `atrarium_` and `net.atrarium.`; hits are then checked.
const STEM = bytes('atrarium')
const NET = bytes('net.')
const UNDERSCORE = 0x5f
const DOT = 0x2e
const POST_PATH = bytes(`${NSID.post}/`)
const MEMBERSHIP_PATH = bytes(`${NSID.membership}/`)
// 0x66 is the CBOR head of a 6-byte text: the op `action` values, not the word inside some text.
const POST_CHANGES = [Uint8Array.of(0x66, ...bytes('delete')), Uint8Array.of(0x66, ...bytes('update'))]

/** Index of `needle` in `hay`; the native single-byte indexOf finds candidates quickly. */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0]
  if (first === undefined) return from
  for (let i = hay.indexOf(first, from); i >= 0 && i <= hay.length - needle.length; i = hay.indexOf(first, i + 1)) {
    let j = 1
    while (j < needle.length && hay[i + j] === needle[j]) j++
    if (j === needle.length) return i
  }
  return -1
}

/** Byte search; a host passes its native one (Node: Buffer#indexOf, several times faster). */
export type FindBytes = (hay: Uint8Array, needle: Uint8Array, from?: number) => number

/** Whether the frame holds `atrarium_` or `net.atrarium.` anywhere. */
export function namesCommunity(frame: Uint8Array, find: FindBytes = indexOfBytes): boolean {
  for (let at = find(frame, STEM); at >= 0; at = find(frame, STEM, at + 1)) {
    const next = frame[at + STEM.length]
    if (next === UNDERSCORE) return true
    if (next === DOT && at >= NET.length && NET.every((b, i) => frame[at - NET.length + i] === b)) return true
  }
  return false
}

export const isCommitFrame = (frame: Uint8Array): boolean =>
  frame.length >= COMMIT_HEADER.length && COMMIT_HEADER.every((b, i) => frame[i] === b)

/** Whether a commit frame touches posts, so its repo may join the set of indexed authors. */
export const mentionsPosts = (frame: Uint8Array, find: FindBytes = indexOfBytes): boolean => find(frame, POST_PATH) >= 0

/**
 * Whether a passing commit frame's repo joins stage 1's author set: it touches posts (their deletes
 * must pass), or memberships (a delete during the member's join backfill must be seen, issue #13).
 */
export const tracksAuthor = (frame: Uint8Array, find: FindBytes = indexOfBytes): boolean =>
  mentionsPosts(frame, find) || find(frame, MEMBERSHIP_PATH) >= 0

export const peekRepo = (frame: Uint8Array): string | undefined => {
  const v = peekBodyField(frame, 'repo')
  return typeof v === 'string' ? v : undefined
}

export const peekSeq = (frame: Uint8Array): number | undefined => {
  const v = peekBodyField(frame, 'seq')
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined
}

/**
 * A commit frame passes when it names a community or an `net.atrarium.*` record, or when it may
 * delete or update a post of an author whose posts may be indexed. Only that last case reads a
 * field (`repo`), by skipping over the ops; the CAR is never opened here.
 */
export function passesFirehosePrefilter(frame: Uint8Array, hasIndexedAuthor: (did: string) => boolean, find: FindBytes = indexOfBytes): boolean {
  if (namesCommunity(frame, find)) return true
  if (!mentionsPosts(frame, find) || !POST_CHANGES.some((m) => find(frame, m) >= 0)) return false
  const did = peekRepo(frame)
  return did !== undefined && hasIndexedAuthor(did)
}
