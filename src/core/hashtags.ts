import { COMMUNITY_ID_RE, HASHTAG_PREFIX } from './community-id.js'

/** A post names at most this many communities (SPEC §4). */
export const MAX_COMMUNITIES_PER_POST = 5

// Bluesky's rich-text parser ends a tag at whitespace and at these invisible characters too,
// so a tag the app renders is exactly a tag we route.
const TAG_RE = /(?:^|\s)[#＃]([^\s\u00AD\u2060\u200A\u200B\u200C\u200D\u20E2]+)/gu
const TRAILING_PUNCT_RE = /\p{P}+$/u

/** Hashtags in `text`, without the `#`, in text order, trailing punctuation removed. */
export function extractHashtags(text: string): string[] {
  const tags: string[] = []
  for (const m of text.matchAll(TAG_RE)) {
    const tag = m[1]!.replace(TRAILING_PUNCT_RE, '')
    if (tag.length > 0) tags.push(tag)
  }
  return tags
}

function idFromTag(tag: string): string | undefined {
  if (!tag.startsWith(HASHTAG_PREFIX)) return undefined
  const id = tag.slice(HASHTAG_PREFIX.length)
  return COMMUNITY_ID_RE.test(id) ? id : undefined
}

/**
 * The community ids a post names: text hashtags first, then the `tags` array, deduplicated,
 * at most five. Ids of unknown communities still count toward the five, so the cap cannot be
 * dodged by padding a post with made-up ids after the real ones.
 */
export function communityIdsOfPost(text: string, tags: readonly string[] = []): string[] {
  const ids: string[] = []
  for (const tag of [...extractHashtags(text), ...tags]) {
    const id = idFromTag(tag)
    if (id === undefined || ids.includes(id)) continue
    ids.push(id)
    if (ids.length === MAX_COMMUNITIES_PER_POST) break
  }
  return ids
}
