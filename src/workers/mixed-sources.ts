import { resolveParentIn, type ParentResolution } from '../core/community-parent.js'
import { entryOf, type CommunityEntry } from '../core/community-tree.js'
import { compareFeedOrder, type FeedEntry, type FeedSource, type MixState, type SourceName } from '../core/feed-mix.js'
import type { Store, StoredConfig } from '../core/store.js'
import { allGlobalShards, COMMUNITIES_DIRECTORY, communityStub, directoryStub } from './routing.js'
import { visibleAmong } from '../core/visible-among.js'

/**
 * The parent that counts (SPEC §7), by the core walk over the chain the communities directory
 * holds: one RPC for the whole chain, however long (the directory stops where the walk would).
 */
export async function resolveParentRemote(env: Env, community: StoredConfig): Promise<ParentResolution<CommunityEntry>> {
  const from = community.config.parentCommunity
  if (from === undefined) return { parent: undefined }
  const chain = new Map((await directoryStub(env, COMMUNITIES_DIRECTORY).chainFrom(from)).map((e) => [e.uri, e]))
  return resolveParentIn({ get: (uri) => chain.get(uri), uriOf: (e) => e.uri, parentOf: (e) => e.parent }, entryOf(community))
}

/** A community's visible posts after a position: what a child's parent source reads. */
export const visiblePostsIn = (store: Store, community: string, after: FeedEntry | undefined, n: number, minSortUs: number): FeedEntry[] =>
  store.skeleton({ community, minSortUs, limit: n, ...(after ? { after } : {}) })


/** A parent that shares the child's id lives in the child's own object: read here, not by RPC to itself. */
const localReader = (store: Store) => ({
  visiblePosts: (community: string, after: FeedEntry | undefined, n: number, minSortUs: number) => visiblePostsIn(store, community, after, n, minSortUs),
  visibleAmong: (community: string, uris: string[]) => visibleAmong(store, community, uris),
})

/** Thrown when a prefetched source runs dry before its end: read again with more. */
export class NeedMore extends Error {}

function prefetched(entries: FeedEntry[], complete: boolean, holds: (uri: string) => boolean): FeedSource {
  return {
    read(after, n) {
      const from = after ? entries.findIndex((e) => compareFeedOrder(e, after) > 0) : 0
      const slice = from < 0 ? [] : entries.slice(from, from + n)
      if (slice.length < n && !complete) throw new NeedMore()
      return slice
    },
    holds,
  }
}

/**
 * The three sources of a mixed feed on Workers. Own posts are local; parent posts are one RPC to
 * the parent's object; global posts come from the recent-posts shards, never from every
 * community. Up to `n` entries of each are fetched first, so the core interleave runs unchanged.
 */
export async function workerSources(
  env: Env, store: Store, community: StoredConfig, state: MixState, n: number, minSortUs: number, parent: CommunityEntry | undefined,
): Promise<Partial<Record<SourceName, FeedSource>>> {
  const exclude = parent ? [community.uri, parent.uri] : [community.uri]
  const own = store.skeleton({ community: community.uri, minSortUs, limit: n, ...(state.pos.own ? { after: state.pos.own } : {}) })
  const parentReader = parent && (store.getConfig(parent.uri) ? localReader(store) : communityStub(env, parent.id))
  const parentPosts = parent && parentReader ? await parentReader.visiblePosts(parent.uri, state.pos.parent, n, minSortUs) : []
  // A source with share 0 is never taken (SPEC §7), so its posts need not be read at all.
  const withGlobal = community.config.feedMix.global > 0
  let global: FeedEntry[] = []
  if (withGlobal) {
    const shards = await Promise.all(allGlobalShards(env).map((s) => s.read(exclude, state.pos.global, n, minSortUs)))
    global = shards.flat().sort(compareFeedOrder).filter((e, i, all) => i === 0 || all[i - 1]!.uri !== e.uri).slice(0, n)
  }
  const candidates = [...new Set([...own, ...parentPosts, ...global].map((e) => e.uri))]
  const inParent = new Set(parent && parentReader ? await parentReader.visibleAmong(parent.uri, candidates) : [])
  const elsewhere = new Set(withGlobal ? (await Promise.all(allGlobalShards(env).map((s) => s.visibleElsewhere(candidates, exclude)))).flat() : [])
  return {
    own: prefetched(own, own.length < n, (uri) => store.visibleCommunities(uri).includes(community.uri)),
    ...(parent ? { parent: prefetched(parentPosts, parentPosts.length < n, (uri) => inParent.has(uri)) } : {}),
    ...(withGlobal ? { global: prefetched(global, global.length < n, (uri) => elsewhere.has(uri)) } : {}),
  }
}
