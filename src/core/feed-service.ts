import { isValidDid } from '@atproto/syntax'
import { repoOf } from './at-uri.js'
import { isCommunityId } from './community-id.js'
import { resolveParent } from './community-parent.js'
import { selectFeedCommunity } from './community-select.js'
import { decodeFeedCursor, encodeFeedCursor } from './feed-cursor.js'
import { initialMixState, mixPage, SOURCES, type FeedEntry, type FeedSource, type MixState, type SourceName } from './feed-mix.js'
import type { Logger } from './logger.js'
import { NSID } from './nsid.js'
import { err, ok, type Result } from './result.js'
import { PIN_REASON, shownPins } from './pinned-posts.js'
import { freezeSkeleton, type SkeletonCache } from './skeleton-cache.js'
import type { Store, StoredConfig } from './store.js'

export interface FeedError {
  error: 'InvalidRequest' | 'UnknownFeed'
  message: string
}

export interface Skeleton {
  feed: { post: string; reason?: typeof PIN_REASON; feedContext?: string }[]
  cursor?: string
}

export interface SkeletonParams {
  feed: string
  limit: number
  cursor?: string
  /** The signed-in viewer (a verified service JWT's issuer), whose "show less" requests apply (SPEC §12). */
  viewer?: string
}

const FEED_URI_PREFIX = 'at://'
const FEED_PATH = `/${NSID.feedGenerator}/`

/** describeFeedGenerator lists at most this many feeds: its answer has no cursor, and ids are free to mint. */
export const MAX_DESCRIBED_FEEDS = 1000

/** Parses `at://<publisherDid>/app.bsky.feed.generator/<rkey>`; the publisher picks among colliding ids (SPEC §1). */
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

/** The community a feed URI selects in `store` (SPEC §1): the publisher's own with that id, else the only one. */
export function feedCommunity(store: Pick<Store, 'communitiesWithId'>, feed: string, log?: Logger): Result<StoredConfig, FeedError> {
  const parsed = parseFeedUri(feed)
  if (!parsed.ok) return err({ error: 'InvalidRequest', message: parsed.error })
  const { publisher, rkey } = parsed.value
  const selected = selectFeedCommunity(isCommunityId(rkey) ? store.communitiesWithId(rkey) : [], publisher)
  if (selected.ok) return selected
  if (selected.error.reason === 'ambiguous') log?.warn({ feed, candidates: selected.error.candidates }, 'ambiguous feed: several communities share its id')
  return err({ error: 'UnknownFeed', message: `unknown feed ${feed}` })
}

/** The mix state a request continues from: the start, or what its cursor carries. */
export function stateOf(cursor: string | undefined): Result<MixState, FeedError> {
  if (cursor === undefined) return ok(initialMixState())
  const decoded = decodeFeedCursor(cursor)
  return decoded.ok ? decoded : err({ error: 'InvalidRequest', message: decoded.error })
}

/**
 * One page of a community's mixed feed from the given sources (SPEC §7), with its next cursor. The
 * first page (`first`) starts with the shown `pins` (SPEC §10), within `limit`; no page shows a
 * pinned post again in its place by time, so the feed holds each post once.
 */
export function skeletonPage(
  community: StoredConfig, sources: Partial<Record<SourceName, FeedSource>>, state: MixState, limit: number, pins: readonly string[] = [], first = false,
): Skeleton {
  const pinned = first ? pins.slice(0, limit) : []
  const rest = limit - pinned.length
  const page = rest > 0 ? mixPage(community.config.feedMix, sources, state, rest) : { entries: [], state, more: true }
  const below = pins.length > 0 ? page.entries.filter((e) => !pins.includes(e.uri)) : page.entries
  return {
    feed: [...pinned.map((post) => ({ post, reason: PIN_REASON })), ...below.map((e) => ({ post: e.uri }))],
    // A short or even empty page still gets a cursor when the work bound cut it (SPEC §7).
    ...(page.more ? { cursor: encodeFeedCursor(page.state) } : {}),
  }
}

/**
 * A page as one viewer gets it (SPEC §12): without the authors they asked to see less of, each item
 * carrying the community id as `feedContext`, which their app sends back with an interaction.
 */
export function personalize(page: Skeleton, community: StoredConfig, less: readonly string[]): Skeleton {
  const hidden = new Set(less)
  const feed = page.feed
    .filter((item) => hidden.size === 0 || !hidden.has(repoOf(item.post)))
    .map((item) => ({ ...item, feedContext: community.id }))
  return { feed, ...(page.cursor !== undefined ? { cursor: page.cursor } : {}) }
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
      /** Epoch microseconds; injectable for tests. */
      nowUs?: () => number
    },
  ) {}

  getFeedSkeleton(params: SkeletonParams): Result<Skeleton, FeedError> {
    const page = this.sharedPage(params)
    if (!page.ok || params.viewer === undefined) return page
    // The shared page (cached for everyone) is personalized after: one indexed read per signed-in request.
    // A cached page is frozen and shared, and so are its community and its signed-in form among the
    // viewers who asked to see less of no one: most signed-in requests then cost what anonymous ones
    // do (feedContext is the community's id, the same for every viewer of this page).
    const frozen = Object.isFrozen(page.value)
    let signedIn = frozen ? this.#signedIn.get(page.value) : undefined
    if (!signedIn) {
      const community = feedCommunity(this.deps.store, params.feed)
      if (!community.ok) return community
      signedIn = { community: community.value }
      if (frozen) this.#signedIn.set(page.value, signedIn)
    }
    const { community } = signedIn
    const nowUs = this.deps.nowUs?.() ?? Date.now() * 1000
    const less = this.deps.store.lessAuthors(community.uri, params.viewer, nowUs)
    if (less.length > 0 || !frozen) return ok(personalize(page.value, community, less))
    signedIn.page ??= freezeSkeleton(personalize(page.value, community, []))
    return ok(signedIn.page)
  }

  readonly #signedIn = new WeakMap<Skeleton, { community: StoredConfig; page?: Skeleton }>()

  private sharedPage(params: SkeletonParams): Result<Skeleton, FeedError> {
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
    const community = feedCommunity(this.deps.store, params.feed, this.deps.log)
    if (!community.ok) return community
    const state = stateOf(params.cursor)
    if (!state.ok) return state
    const pins = shownPins(this.deps.store, community.value)
    const sources = this.sources(community.value, minSortUs)
    const mix = () => skeletonPage(community.value, sources, state.value, params.limit, pins, params.cursor === undefined)
    // Sources mixed from one snapshot, where the store has them: another process's commit cannot
    // land between them. A page of one source is one read, which is a snapshot of its own, and an
    // explicit transaction around it would only add its BEGIN and COMMIT (~10% of an uncached page).
    const { store } = this.deps
    const lanes = SOURCES.filter((s) => sources[s] !== undefined && community.value.config.feedMix[s] > 0).length
    return ok(store.read && lanes > 1 ? store.read(mix) : mix())
  }

  /** The own, parent and global sources of a community, over the index (SPEC §7). */
  private sources(community: StoredConfig, minSortUs: number): Partial<Record<SourceName, FeedSource>> {
    const { store } = this.deps
    const resolved = resolveParent(store, community)
    if (resolved.parent === undefined && resolved.reason) {
      this.deps.log?.warn({ community: community.uri, parent: community.config.parentCommunity, reason: resolved.reason }, 'parent community ignored')
    }
    const parent = resolved.parent?.uri
    const visible = new VisibleIn(store)
    const exclude = parent ? [community.uri, parent] : [community.uri]
    return {
      own: new CommunitySource(store, visible, community.uri, minSortUs),
      ...(parent ? { parent: new CommunitySource(store, visible, parent, minSortUs) } : {}),
      global: new GlobalSource(store, visible, exclude, minSortUs),
    }
  }

  #described: { version: number; value: { did: string; feeds: { uri: string }[] } } | undefined

  describeFeedGenerator(): { did: string; feeds: { uri: string }[] } {
    // Kept while the index does not change: anyone may call it, and it reads up to a thousand rows.
    const version = this.deps.store.indexVersion?.()
    if (version !== undefined && this.#described?.version === version) return this.#described.value
    const value = describeFeeds(this.deps.serviceDid, this.deps.store.communitiesPage({ limit: MAX_DESCRIBED_FEEDS }))
    if (version !== undefined) this.#described = { version, value }
    return value
  }
}

/** Each community's own feed URI (its owner publishes it, so a collision cannot make it ambiguous), once. */
export function describeFeeds(did: string, communities: readonly { owner: string; id: string }[]): { did: string; feeds: { uri: string }[] } {
  const uris = new Set(communities.map((c) => `at://${c.owner}/${NSID.feedGenerator}/${c.id}`))
  return { did, feeds: [...uris].map((uri) => ({ uri })) }
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
