import { isCommunityId } from './community-id.js'
import { NSID } from './nsid.js'
import { err, ok, type Result } from './result.js'
import type { Store } from './store.js'

/** The two interactions the service acts on (SPEC §12); clients send others, which are ignored. */
export const REQUEST_LESS = 'app.bsky.feed.defs#requestLess'
export const REQUEST_MORE = 'app.bsky.feed.defs#requestMore'
/** Interactions one request may carry; the AppView batches a few at a time. */
export const MAX_INTERACTIONS = 100
/** Distinct communities one request may name: each is a lookup (on Workers, an object) of its own. */
export const MAX_COMMUNITIES_PER_REQUEST = 10
/** Authors a viewer may have asked to see less of in one community; the earliest to expire go first. */
export const MAX_LESS_PER_VIEWER = 100

/** One interaction the service acts on: a post, the community the skeleton said it came from, the event. */
export interface Interaction {
  event: typeof REQUEST_LESS | typeof REQUEST_MORE
  post: string
  author: string
  /** The community id, from the `feedContext` the skeleton item carried. */
  community: string
}

const POST_URI = new RegExp(`^at://(did:[a-z]+:[a-zA-Z0-9._:%-]+)/${NSID.post.replace(/\./g, '\\.')}/[a-zA-Z0-9._:~-]{1,512}$`)

/**
 * The interactions of an `app.bsky.feed.sendInteractions` body that say "show less" or "show more"
 * of a post this service served (its `feedContext` is a community id); anything else is skipped.
 * A body that is not the lexicon's shape, or carries too many, is refused.
 */
export function parseInteractions(body: unknown): Result<Interaction[]> {
  const list = (body as { interactions?: unknown } | null)?.interactions
  if (!Array.isArray(list)) return err('interactions must be an array')
  if (list.length > MAX_INTERACTIONS) return err(`at most ${MAX_INTERACTIONS} interactions per request`)
  const out: Interaction[] = []
  for (const i of list) {
    if (typeof i !== 'object' || i === null) return err('each interaction must be an object')
    const { event, item, feedContext } = i as Record<string, unknown>
    if (event !== REQUEST_LESS && event !== REQUEST_MORE) continue
    if (typeof item !== 'string' || typeof feedContext !== 'string' || !isCommunityId(feedContext)) continue
    const m = POST_URI.exec(item)
    if (m) out.push({ event, post: item, author: m[1]!, community: feedContext })
  }
  if (new Set(out.map((i) => i.community)).size > MAX_COMMUNITIES_PER_REQUEST) return err(`at most ${MAX_COMMUNITIES_PER_REQUEST} feeds per request`)
  return ok(out)
}

/**
 * Applies a viewer's interactions to the index: "show less" of a post's author in each community
 * with that id that holds the post (so an interaction cannot name posts the feed never served), for
 * `forUs` (the retention window); "show more" withdraws it.
 */
export function applyInteractions(store: Store, viewer: string, interactions: readonly Interaction[], nowUs: number, forUs: number): number {
  let applied = 0
  for (const i of interactions) {
    const held = store.postCommunities(i.post)
    for (const c of store.communitiesWithId(i.community)) {
      if (!held.includes(c.uri)) continue
      if (i.event === REQUEST_LESS) store.requestLess(c.uri, viewer, i.author, nowUs + forUs, MAX_LESS_PER_VIEWER)
      else store.requestMore(c.uri, viewer, i.author)
      applied++
    }
  }
  return applied
}
