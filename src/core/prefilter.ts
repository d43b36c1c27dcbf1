/**
 * Stage 1: cheap tests on the raw frame, before any JSON.parse. Most of the network is likes,
 * reposts, follows and posts that name no community; they must cost a few comparisons at the
 * front of the frame, and a post a single scan of its record, and nothing more.
 */
import { NSID } from './nsid.js'

const DID_RE = /"did"\s*:\s*"([^"\\]*)"/
const DID_VALUES_RE = /"did"\s*:\s*"([^"\\]*)"/g
const TIME_KEY = '"time_us":'
const POST_CHANGE_RE = /"operation"\s*:\s*"(?:delete|update)"/
const ACCOUNT_KIND_RE = /"kind"\s*:\s*"account"/

// Jetstream (Go structs, fixed field order) writes every commit frame as
//   {"did":"…","time_us":…,"kind":"commit","commit":{"rev":"…","operation":"…","collection":"…",…
// so the collection and the operation can be read at the front, before the record. One sticky
// regex checks that whole head in a single native call, cheaper here than a chain of startsWith
// calls or charCodeAt tests. No value in the head may hold a quote or an escape, so the
// `"collection":"` it ends on is the commit's own key, never one inside a record.
const COMMIT_HEAD_RE = /\{"did":"[^"\\]*","time_us":\d+,"kind":"commit","commit":\{"rev":"[^"\\]*","operation":"(?:create|update|delete)","collection":"/y
const HEAD = '{"did":"'
// The head's end as the regex matched it: `"operation":"xxxxxx","collection":"`. All three
// operations (create, update, delete) are six letters long, so the operation sits at a fixed
// distance before the collection.
const OPERATION_BACK = '","collection":"'.length + 6
// A did:plc, nearly every did, is 32 characters: then the did ends here, followed by `","time_us"`.
const PLC_DID_END = HEAD.length + 32
const MAX_TIME_DIGITS = 16
const COMMUNITY_STEM = 'atrarium'
// `app.bsky.feed.post"`: its `a`, its `p` and the closing quote tell it from likes, reposts and
// follows (`app.bsky.feed.like`, `app.bsky.feed.repost`, `app.bsky.graph.follow`). Another
// collection that happens to agree there is treated as a post, which only costs a look at it.
const POST_P_AT = 'app.bsky.feed.'.length
const POST_QUOTE_AT = 'app.bsky.feed.post'.length
const ATRARIUM_NSID_PREFIX = 'net.atrarium.'

/** Where the commit's collection value starts when the frame has Jetstream's layout, else -1. */
function commitCollectionAt(raw: string): number {
  COMMIT_HEAD_RE.lastIndex = 0
  return COMMIT_HEAD_RE.test(raw) ? COMMIT_HEAD_RE.lastIndex : -1
}

/**
 * End of the did in a frame whose head matched COMMIT_HEAD_RE. `","t` at PLC_DID_END can only
 * be the did's end there, as no other `","` in that head is followed by a `t`.
 */
function didEndInHead(raw: string): number {
  return raw.charCodeAt(PLC_DID_END) === 34 && raw.charCodeAt(PLC_DID_END + 1) === 44 && raw.charCodeAt(PLC_DID_END + 3) === 116
    ? PLC_DID_END
    : raw.indexOf('"', HEAD.length)
}

/** The integer of at most 16 digits at `from`, or undefined. */
function readTimeUs(raw: string, from: number): number | undefined {
  let i = from
  let n = 0
  for (let c = raw.charCodeAt(i); c >= 48 && c <= 57; c = raw.charCodeAt(++i)) n = n * 10 + (c - 48)
  return i > from && i - from <= MAX_TIME_DIGITS ? n : undefined
}

/**
 * Whether `atrarium_` occurs at or after `from`: the mark of a community hashtag (`#` or `＃`)
 * and of a `tags` entry. V8 finds a single rare character with memchr, while a search for the
 * whole word stops at every `a` of ordinary text; so find each `_` and look behind it.
 */
function hasCommunityMark(raw: string, from: number): boolean {
  for (let i = raw.indexOf('_', from + COMMUNITY_STEM.length); i >= 0; i = raw.indexOf('_', i + 1)) {
    if (raw.charCodeAt(i - 1) === 109 /* m */ && raw.startsWith(COMMUNITY_STEM, i - COMMUNITY_STEM.length)) return true
  }
  return false
}

const POST_KEY = `"${NSID.post}"`
const MEMBERSHIP_KEY = `"${NSID.membership}"`

/**
 * The repo a passing frame adds to stage 1's author set, if any: a post's author (their deletes
 * must pass), or a member's (a delete during their join backfill must be seen, issue #13).
 */
export function trackedAuthor(raw: string): string | undefined {
  if (!raw.includes(POST_KEY) && !raw.includes(MEMBERSHIP_KEY)) return undefined
  const did = peekDid(raw)
  // A regex capture is a slice that keeps its whole frame alive, and the hosts keep this DID in
  // their author sets for hours: 2 KB frames would hold ~2 KB per author, not the DID's ~100 bytes.
  return did === undefined ? undefined : ownCopy(did)
}

/** The string in storage of its own, so keeping it does not keep the larger string it was cut from. */
export const ownCopy = (s: string): string => (` ${s}`).slice(1)

/** The frame's top-level `did`; Jetstream writes it first, so the first occurrence is it. */
export function peekDid(raw: string): string | undefined {
  return DID_RE.exec(raw)?.[1]
}

/** The frame's `time_us` without parsing it; undefined when absent or not an integer. */
export function peekTimeUs(raw: string): number | undefined {
  // Jetstream writes it right after the did, so after a did:plc it is at a fixed place; the
  // search over the frame is the fallback.
  const plc = raw.charCodeAt(PLC_DID_END) === 34 && raw.startsWith(HEAD) && raw.indexOf('"', HEAD.length) === PLC_DID_END && raw.startsWith(TIME_KEY, PLC_DID_END + 2)
  const start = plc ? PLC_DID_END + 2 : raw.indexOf(TIME_KEY)
  if (start < 0) return undefined
  let i = start + TIME_KEY.length
  while (raw.charCodeAt(i) === 32) i++
  return readTimeUs(raw, i)
}

/**
 * The slow path, for frames not in Jetstream's usual layout (other key order, whitespace,
 * identity and account events): scans of the whole frame that never depend on key order. A post
 * change passes if any `did` in it is an indexed author, since the top-level one need not come first.
 */
function passesByScan(raw: string, hasIndexedAuthor: (did: string) => boolean): boolean {
  // Account status changes are rare and may hide or remove any account's records (SPEC §4).
  if (ACCOUNT_KIND_RE.test(raw)) return true
  if (raw.includes('atrarium') && (raw.includes('atrarium_') || raw.includes(ATRARIUM_NSID_PREFIX))) return true
  if (!raw.includes('"app.bsky.feed.post"') || !POST_CHANGE_RE.test(raw)) return false
  for (const m of raw.matchAll(DID_VALUES_RE)) if (hasIndexedAuthor(m[1]!)) return true
  return false
}

/**
 * Lets through frames that can matter: account status changes, every `net.atrarium.*` record, posts that mention a
 * community mark (`atrarium_`), and post deletes or updates by an author whose posts may be
 * indexed. Other collections produce no event in stage 2, so they are dropped on the collection
 * alone: likes, reposts and follows, three quarters of the stream, never have their record read.
 * A frame in any other layout takes the order-independent scan. The time_us is not read here:
 * the cursor is read from few frames (see Watermark), and reading it costs a third of this.
 */
export function passesPrefilter(raw: string, hasIndexedAuthor: (did: string) => boolean): boolean {
  const at = commitCollectionAt(raw)
  if (at < 0) return passesByScan(raw, hasIndexedAuthor)
  const first = raw.charCodeAt(at)
  if (first === 97 /* a */ && raw.charCodeAt(at + POST_P_AT) === 112 /* p */ && raw.charCodeAt(at + POST_QUOTE_AT) === 34) {
    // The regex admitted only the three operations; the first letter tells which.
    const operation = raw.charCodeAt(at - OPERATION_BACK)
    if (operation === 99 /* c: create */) return hasCommunityMark(raw, at)
    if (operation === 117 /* u: update */ && hasCommunityMark(raw, at)) return true
    return hasIndexedAuthor(raw.slice(HEAD.length, didEndInHead(raw)))
  }
  return first === 110 /* n */ && raw.startsWith(ATRARIUM_NSID_PREFIX, at)
}
