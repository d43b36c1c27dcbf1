import { communityIdOf } from '../core/community-id.js'
import { compareFeedOrder, type FeedEntry, type FeedSource, type MixState, type SourceName } from '../core/feed-mix.js'
import type { Store, StoredConfig } from '../core/store.js'
import { allGlobalShards, communityStub } from './routing.js'

const MAX_DEPTH = 64

/** The parent that counts (SPEC §7): a known config, with no cycle up the chain. Walks by RPC. */
export async function resolveParentRemote(env: Env, community: StoredConfig): Promise<StoredConfig | undefined> {
  const seen = new Set([community.uri])
  let first: StoredConfig | undefined
  for (let uri = community.config.parentCommunity, depth = 0; uri !== undefined && depth < MAX_DEPTH; depth++) {
    if (seen.has(uri)) return undefined
    seen.add(uri)
    const node = await communityStub(env, communityIdOf(uri)).community()
    if (!node || node.uri !== uri) return first ? first : undefined
    first ??= node
    uri = node.config.parentCommunity
  }
  return first
}

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
 * community. Everything a page can need is fetched first, so the core interleave runs unchanged.
 */
export async function workerSources(env: Env, store: Store, community: StoredConfig, state: MixState, n: number, minSortUs: number): Promise<Partial<Record<SourceName, FeedSource>>> {
  const parent = community.config.feedMix.parent > 0 ? await resolveParentRemote(env, community) : undefined
  const exclude = parent ? [community.id, parent.id] : [community.id]
  const own = store.skeleton({ community: community.id, minSortUs, limit: n, ...(state.pos.own ? { after: state.pos.own } : {}) })
  const parentStub = parent && communityStub(env, parent.id)
  const parentPosts = parentStub ? await parentStub.visiblePosts(state.pos.parent, n, minSortUs) : []
  let global: FeedEntry[] = []
  if (community.config.feedMix.global > 0) {
    const shards = await Promise.all(allGlobalShards(env).map((s) => s.read(exclude, state.pos.global, n, minSortUs)))
    global = shards.flat().sort(compareFeedOrder).filter((e, i, all) => i === 0 || all[i - 1]!.uri !== e.uri).slice(0, n)
  }
  const candidates = [...new Set([...own, ...parentPosts, ...global].map((e) => e.uri))]
  const inParent = new Set(parentStub ? await parentStub.visibleAmong(candidates) : [])
  const elsewhere = new Set((await Promise.all(allGlobalShards(env).map((s) => s.visibleElsewhere(candidates, exclude)))).flat())
  return {
    own: prefetched(own, own.length < n, (uri) => store.visibleCommunities(uri).includes(community.id)),
    ...(parent ? { parent: prefetched(parentPosts, parentPosts.length < n, (uri) => inParent.has(uri)) } : {}),
    global: prefetched(global, global.length < n, (uri) => elsewhere.has(uri)),
  }
}
