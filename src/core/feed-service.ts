import { isValidDid } from '@atproto/syntax'
import { isCommunityId } from './community-id.js'
import { resolveParent } from './community-parent.js'
import { decodeFeedCursor, encodeFeedCursor } from './feed-cursor.js'
import { initialMixState, mixPage, type FeedEntry, type FeedSource, type MixState, type SourceName } from './feed-mix.js'
import type { Logger } from './logger.js'
import { NSID } from './nsid.js'
import { err, ok, type Result } from './result.js'
import type { SkeletonCache } from './skeleton-cache.js'
import type { Store, StoredConfig } from './store.js'

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

/** The mix state a request continues from: the start, or what its cursor carries. */
export function stateOf(cursor: string | undefined): Result<MixState, FeedError> {
  if (cursor === undefined) return ok(initialMixState())
  const decoded = decodeFeedCursor(cursor)
  return decoded.ok ? decoded : err({ error: 'InvalidRequest', message: decoded.error })
}

/** One page of a community's mixed feed from the given sources (SPEC §7), with its next cursor. */
export function skeletonPage(community: StoredConfig, sources: Partial<Record<SourceName, FeedSource>>, state: MixState, limit: number): Skeleton {
  const page = mixPage(community.config.feedMix, sources, state, limit)
  return {
    feed: page.entries.map((e) => ({ post: e.uri })),
    ...(page.more && page.entries.length > 0 ? { cursor: encodeFeedCursor(page.state) } : {}),
  }
}

/** Reads the index for `getFeedSkeleton` and `describeFeedGenerator`. */
export class FeedService {
  constructor(
    private readonly deps: {
      store: Store
      serviceDid: string
      minSortUs: () => number
      log?: Logger
      /** Pages kept until the index changes; used only with a store that has an index version. */
      cache?: SkeletonCache
    },
  ) {}

  getFeedSkeleton(params: SkeletonParams): Result<Skeleton, FeedError> {
    const minSortUs = this.deps.minSortUs()
    const { cache } = this.deps
    const version = cache ? this.deps.store.indexVersion?.() : undefined
    if (!cache || version === undefined) return this.page(params, minSortUs)
    const key = cacheKey(params)
    const hit = cache.get(key, version, minSortUs)
    if (hit) return ok(hit)
    const computed = this.page(params, minSortUs)
    return computed.ok ? ok(cache.set(key, version, minSortUs, computed.value)) : computed
  }

  private page(params: SkeletonParams, minSortUs: number): Result<Skeleton, FeedError> {
    const parsed = parseFeedUri(params.feed)
    if (!parsed.ok) return err({ error: 'InvalidRequest', message: parsed.error })
    const id = parsed.value.rkey
    const community = isCommunityId(id) ? this.deps.store.getCommunity(id) : undefined
    if (!community) return err({ error: 'UnknownFeed', message: `unknown feed ${params.feed}` })
    const state = stateOf(params.cursor)
    if (!state.ok) return state
    return ok(skeletonPage(community, this.sources(community, minSortUs), state.value, params.limit))
  }

  /** The own, parent and global sources of a community, over the index (SPEC §7). */
  private sources(community: StoredConfig, minSortUs: number): Partial<Record<SourceName, FeedSource>> {
    const { store } = this.deps
    const resolved = resolveParent(store, community)
    if (resolved.parent === undefined && resolved.reason) {
      this.deps.log?.warn({ community: community.uri, parent: community.config.parentCommunity, reason: resolved.reason }, 'parent community ignored')
    }
    const parentId = resolved.parent?.id
    const visible = new VisibleIn(store)
    const exclude = parentId ? [community.id, parentId] : [community.id]
    return {
      own: new CommunitySource(store, visible, community.id, minSortUs),
      ...(parentId ? { parent: new CommunitySource(store, visible, parentId, minSortUs) } : {}),
      global: new GlobalSource(store, visible, exclude, minSortUs),
    }
  }

  describeFeedGenerator(): { did: string; feeds: { uri: string }[] } {
    return {
      did: this.deps.serviceDid,
      feeds: this.deps.store.listCommunities().map((c) => ({ uri: `at://${c.owner}/${NSID.feedGenerator}/${c.id}` })),
    }
  }
}

// Lengths first, so that no two requests share a key whatever their strings hold.
const cacheKey = (p: SkeletonParams): string => `${p.limit} ${p.cursor?.length ?? -1} ${p.cursor ?? ''}${p.feed}`

/** Which communities show a post, asked once per post per request (the once-only rule asks often). */
class VisibleIn {
  readonly #memo = new Map<string, string[]>()
  constructor(private readonly store: Store) {}

  of(uri: string): string[] {
    let ids = this.#memo.get(uri)
    if (!ids) this.#memo.set(uri, (ids = this.store.visibleCommunities(uri)))
    return ids
  }
}

// Sources are classes rather than object literals of arrow functions: built on every request,
// and methods on a prototype cost nothing to create.
class CommunitySource implements FeedSource {
  constructor(
    private readonly store: Store,
    private readonly visible: VisibleIn,
    private readonly community: string,
    private readonly minSortUs: number,
  ) {}

  read(after: FeedEntry | undefined, limit: number): FeedEntry[] {
    return this.store.skeleton({ community: this.community, minSortUs: this.minSortUs, limit, ...(after ? { after } : {}) })
  }

  holds(uri: string): boolean {
    return this.visible.of(uri).includes(this.community)
  }
}

class GlobalSource implements FeedSource {
  constructor(
    private readonly store: Store,
    private readonly visible: VisibleIn,
    private readonly exclude: string[],
    private readonly minSortUs: number,
  ) {}

  read(after: FeedEntry | undefined, limit: number): FeedEntry[] {
    return this.store.globalSkeleton({ exclude: this.exclude, minSortUs: this.minSortUs, limit, ...(after ? { after } : {}) })
  }

  holds(uri: string): boolean {
    return this.visible.of(uri).some((id) => !this.exclude.includes(id))
  }
}
