import { HASHTAG_PREFIX } from '../../../src/core/community-id.js'
import { NSID } from '../../../src/core/nsid.js'

/** Bluesky's own limit for a post's text. */
export const MAX_GRAPHEMES = 300
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' })
export const graphemes = (s: string): number => [...segmenter.segment(s)].length
const utf8 = new TextEncoder()

/** The text as it will be posted: with the visible hashtag appended when asked for. */
export const postText = (text: string, id: string, visibleTag: boolean): string =>
  visibleTag ? `${text.trimEnd()} #${HASHTAG_PREFIX}${id}` : text

/**
 * An app.bsky.feed.post naming the community in `tags`, which Bluesky does not show, so the text
 * stays the member's. A visible hashtag gets its facet, whose offsets count UTF-8 bytes.
 */
export function buildPost(text: string, id: string, visibleTag: boolean, createdAt: string): Record<string, unknown> {
  const tag = `${HASHTAG_PREFIX}${id}`
  const full = postText(text, id, visibleTag)
  const record: Record<string, unknown> = { $type: NSID.post, text: full, tags: [tag], createdAt }
  if (visibleTag) {
    const byteEnd = utf8.encode(full).length
    record.facets = [{ index: { byteStart: byteEnd - utf8.encode(`#${tag}`).length, byteEnd }, features: [{ $type: 'app.bsky.richtext.facet#tag', tag }] }]
  }
  return record
}
