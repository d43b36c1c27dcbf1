import { communityIdsOfPost } from './hashtags.js'
import { err, ok, type Result } from './result.js'
import { clampUs, datetimeToUs } from './time.js'

const MAX_TEXT_BYTES = 3000
const MAX_TEXT_GRAPHEMES = 300
const MAX_TAGS = 8
const MAX_TAG_BYTES = 640
const MAX_TAG_GRAPHEMES = 64

/** The fields of `app.bsky.feed.post` that routing and ordering use (SPEC §4). */
export interface PostFields {
  text: string
  tags: string[]
  createdAt: unknown
  /** The author labelled it adult or graphic (SPEC §11). */
  adult: boolean
}

// Bluesky's adult and graphic self-label values; `gore` is the older name of `graphic-media`.
const ADULT_LABELS: ReadonlySet<string> = new Set(['porn', 'sexual', 'nudity', 'graphic-media', 'gore'])
const SELF_LABELS = 'com.atproto.label.defs#selfLabels'
// The lexicon allows 10 self-labels; more than that is not read (bounded work per record).
const MAX_SELF_LABELS = 10

/** Whether a post's `labels` are self-labels naming adult or graphic content. */
function isAdult(labels: unknown): boolean {
  if (typeof labels !== 'object' || labels === null) return false
  const { $type, values } = labels as { $type?: unknown; values?: unknown }
  if ($type !== SELF_LABELS || !Array.isArray(values)) return false
  return values.slice(0, MAX_SELF_LABELS).some((v) => typeof v === 'object' && v !== null && ADULT_LABELS.has((v as { val?: unknown }).val as string))
}

const encoder = new TextEncoder()
const segmenter = new Intl.Segmenter()

const utf8Len = (s: string): number => encoder.encode(s).length

function graphemeLen(s: string): number {
  let n = 0
  for (const _ of segmenter.segment(s)) n++
  return n
}

function checkString(s: string, maxBytes: number, maxGraphemes: number, what: string): string | undefined {
  // Byte length bounds grapheme counting, which is the slow part. A UTF-16 unit is at most three
  // UTF-8 bytes, so most strings need no encoding to know they are within bounds.
  if (s.length * 3 > maxBytes && utf8Len(s) > maxBytes) return `${what} is over ${maxBytes} bytes`
  if (s.length > maxGraphemes && graphemeLen(s) > maxGraphemes) return `${what} is over ${maxGraphemes} graphemes`
  return undefined
}

export function validatePost(record: unknown): Result<PostFields> {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return err('post is not an object')
  const { text, tags, createdAt, labels } = record as Record<string, unknown>
  if (typeof text !== 'string') return err('post text is not a string')
  const textProblem = checkString(text, MAX_TEXT_BYTES, MAX_TEXT_GRAPHEMES, 'post text')
  if (textProblem) return err(textProblem)
  if (tags !== undefined) {
    if (!Array.isArray(tags)) return err('post tags is not an array')
    if (tags.length > MAX_TAGS) return err(`post has more than ${MAX_TAGS} tags`)
    for (const tag of tags) {
      if (typeof tag !== 'string') return err('post tag is not a string')
      const tagProblem = checkString(tag, MAX_TAG_BYTES, MAX_TAG_GRAPHEMES, 'post tag')
      if (tagProblem) return err(tagProblem)
    }
  }
  return ok({ text, tags: (tags as string[] | undefined) ?? [], createdAt, adult: isAdult(labels) })
}

export const postCommunityIds = (post: PostFields): string[] => communityIdsOfPost(post.text, post.tags)

/** The earlier of `createdAt` and the event time, so a future `createdAt` cannot pin a post (SPEC §4). */
export function sortTimeOf(createdAt: unknown, eventTimeUs: number): number {
  const created = datetimeToUs(createdAt)
  return clampUs(created === undefined ? eventTimeUs : Math.min(created, eventTimeUs))
}
