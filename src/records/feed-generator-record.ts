import { AppBskyFeedGenerator } from '@atproto/api'
import { NSID } from '../core/nsid.js'
import { err, ok, type Result } from '../core/result.js'

const CONTENT_MODE_UNSPECIFIED = 'app.bsky.feed.defs#contentModeUnspecified'

/** app.bsky.feed.generator allows 24 graphemes of display name. */
const MAX_DISPLAY_NAME = 24

function truncateGraphemes(text: string, max: number): string {
  const parts = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)]
  return parts.length <= max ? text : `${parts.slice(0, max - 1).map((p) => p.segment).join('')}…`
}

export interface NewFeedGenerator {
  serviceDid: string
  /** Defaults to the community name, shortened to fit. */
  displayName: string
  description?: string
  createdAt: string
}

/** The feed record whose key is the community id, so the feed URI selects the community (SPEC §1). */
export function buildFeedGeneratorRecord(f: NewFeedGenerator): Result<Record<string, unknown>> {
  const record = {
    $type: NSID.feedGenerator,
    did: f.serviceDid,
    displayName: truncateGraphemes(f.displayName, MAX_DISPLAY_NAME),
    ...(f.description !== undefined ? { description: f.description } : {}),
    // A community feed mixes text and media: the video-only mode (the one other value) never applies.
    contentMode: CONTENT_MODE_UNSPECIFIED,
    // The service takes "show less like this" (app.bsky.feed.sendInteractions, SPEC §12).
    acceptsInteractions: true,
    createdAt: f.createdAt,
  }
  const valid = AppBskyFeedGenerator.validateRecord(record)
  return valid.success ? ok(record) : err(`${NSID.feedGenerator}: ${valid.error.message}`)
}
