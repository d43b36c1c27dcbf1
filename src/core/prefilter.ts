/**
 * Stage 1: cheap substring tests on the raw frame, before any JSON.parse. Most of the network
 * is likes and posts that name no community; they must cost a few `indexOf`s and nothing more.
 */
const DID_KEY = '"did":"'
const TIME_KEY = '"time_us":'
const POST_CHANGE_RE = /"operation"\s*:\s*"(?:delete|update)"/

/** The frame's top-level `did`; Jetstream writes it first, so the first occurrence is it. */
export function peekDid(raw: string): string | undefined {
  const start = raw.indexOf(DID_KEY)
  if (start < 0) return undefined
  const end = raw.indexOf('"', start + DID_KEY.length)
  return end < 0 ? undefined : raw.slice(start + DID_KEY.length, end)
}

/** The frame's `time_us` without parsing it; undefined when absent or not an integer. */
export function peekTimeUs(raw: string): number | undefined {
  const start = raw.indexOf(TIME_KEY)
  if (start < 0) return undefined
  let i = start + TIME_KEY.length
  while (raw.charCodeAt(i) === 32) i++
  let n = 0
  let digits = 0
  for (let c = raw.charCodeAt(i); c >= 48 && c <= 57 && digits < 17; c = raw.charCodeAt(++i), digits++) n = n * 10 + (c - 48)
  return digits > 0 && digits < 17 ? n : undefined
}

const OPERATION_KEY = '"operation"'

/** Whether the frame's first `"operation"` key says `"create"`; Jetstream writes it before the record. */
function firstOperationIsCreate(raw: string): boolean {
  const at = raw.indexOf(OPERATION_KEY)
  if (at < 0) return false
  let i = at + OPERATION_KEY.length
  while (raw.charCodeAt(i) === 32) i++
  if (raw.charCodeAt(i) !== 58 /* : */) return false
  i++
  while (raw.charCodeAt(i) === 32) i++
  return raw.startsWith('"create"', i)
}

/**
 * Lets through frames that can matter: any mention of a community hashtag or an
 * `net.atrarium.*` record, and post deletes or updates by an author whose posts may be indexed.
 * A non-matching frame costs one scan for `atrarium` and a look at its (early) operation: creates,
 * nearly the whole stream, stop there.
 */
export function passesPrefilter(raw: string, hasIndexedAuthor: (did: string) => boolean): boolean {
  if (raw.includes('atrarium') && (raw.includes('atrarium_') || raw.includes('net.atrarium.'))) return true
  if (firstOperationIsCreate(raw)) return false
  if (!raw.includes('"app.bsky.feed.post"') || !POST_CHANGE_RE.test(raw)) return false
  const did = peekDid(raw)
  return did !== undefined && hasIndexedAuthor(did)
}
