import { NSID } from '../../../src/core/nsid.js'
import type { CommunityView } from '../../../src/core/read-views.js'
import type { WebClientConfig } from './config.js'
import { pds, type Account } from './pds.js'
import { shortCommunityPath } from './routes.js'

/** app.bsky.feed.generator allows 300 graphemes of description. */
const MAX_DESCRIPTION = 300

/** The feed's Bluesky record carries the community page's link, so readers find where to join. */
export function feedDescription(c: CommunityView, origin = location.origin): string {
  const link = `${origin}${shortCommunityPath(c.owner, c.id)}`
  const room = MAX_DESCRIPTION - link.length - 2
  const about = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(c.config.description ?? '')].map((s) => s.segment)
  const text = about.length > room ? `${about.slice(0, room - 1).join('')}…` : about.join('')
  return text ? `${text}\n\n${link}` : `Join at ${link}`
}

export const publishedFeed = (acct: Account, id: string) => pds.getRecord(acct, NSID.feedGenerator, id)

/** Publishes (or updates) the feed record whose key is the community id (SPEC §1). */
export async function publishFeed(acct: Account, c: CommunityView, cfg: WebClientConfig, displayName: string, description: string): Promise<void> {
  // @atproto/api's validator is large: loaded only by owners who publish.
  const { buildFeedGeneratorRecord } = await import('../../../src/records/feed-generator-record.js')
  const record = buildFeedGeneratorRecord({ serviceDid: cfg.serviceDid, displayName, description, createdAt: new Date().toISOString() })
  if (!record.ok) throw new Error(record.error)
  await pds.putRecord(acct, NSID.feedGenerator, c.id, record.value)
}

export const unpublishFeed = (acct: Account, id: string) => pds.deleteRecord(acct, NSID.feedGenerator, id)
