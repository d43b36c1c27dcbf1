import { isValidDid } from '@atproto/syntax'
import { isCommunityId } from './community-id.js'
import { decodeFeedCursor, encodeFeedCursor } from './feed-cursor.js'
import { NSID } from './nsid.js'
import { err, ok, type Result } from './result.js'
import type { Store } from './store.js'

export interface FeedError {
  error: 'InvalidRequest' | 'UnknownFeed'
  message: string
}

export interface Skeleton {
  feed: { post: string }[]
  cursor?: string
}

export interface SkeletonParams {
  feed: string
  limit: number
  cursor?: string
}

const FEED_URI_PREFIX = 'at://'
const FEED_PATH = `/${NSID.feedGenerator}/`

/** Parses `at://<publisherDid>/app.bsky.feed.generator/<rkey>`; any publisher is accepted (SPEC §1). */
export function parseFeedUri(feed: string): Result<{ publisher: string; rkey: string }> {
  if (!feed.startsWith(FEED_URI_PREFIX)) return err('feed must be an at:// URI')
  const rest = feed.slice(FEED_URI_PREFIX.length)
  const at = rest.indexOf(FEED_PATH)
  if (at < 0) return err(`feed must name an ${NSID.feedGenerator} record`)
  const publisher = rest.slice(0, at)
  const rkey = rest.slice(at + FEED_PATH.length)
  if (!isValidDid(publisher)) return err('feed publisher must be a DID')
  if (rkey.length === 0 || /[/?#]/.test(rkey)) return err('feed has no record key')
  return ok({ publisher, rkey })
}

/** Reads the index for `getFeedSkeleton` and `describeFeedGenerator`. */
export class FeedService {
  constructor(
    private readonly deps: { store: Store; serviceDid: string; minSortUs: () => number },
  ) {}

  getFeedSkeleton(params: SkeletonParams): Result<Skeleton, FeedError> {
    const parsed = parseFeedUri(params.feed)
    if (!parsed.ok) return err({ error: 'InvalidRequest', message: parsed.error })
    const id = parsed.value.rkey
    const community = isCommunityId(id) ? this.deps.store.getCommunity(id) : undefined
    if (!community) return err({ error: 'UnknownFeed', message: `unknown feed ${params.feed}` })
    let after
    if (params.cursor !== undefined) {
      const decoded = decodeFeedCursor(params.cursor)
      if (!decoded.ok) return err({ error: 'InvalidRequest', message: decoded.error })
      after = decoded.value
    }
    const rows = this.deps.store.skeleton({
      community: id,
      minSortUs: this.deps.minSortUs(),
      limit: params.limit,
      ...(after ? { after } : {}),
    })
    const last = rows[rows.length - 1]
    return ok({
      feed: rows.map((r) => ({ post: r.uri })),
      ...(last && rows.length === params.limit ? { cursor: encodeFeedCursor(last) } : {}),
    })
  }

  describeFeedGenerator(): { did: string; feeds: { uri: string }[] } {
    return {
      did: this.deps.serviceDid,
      feeds: this.deps.store.listCommunities().map((c) => ({ uri: `at://${c.owner}/${NSID.feedGenerator}/${c.id}` })),
    }
  }
}
