import { isValidDid } from '@atproto/syntax'
import { resolveParentIn, type ParentLookup } from './community-parent.js'
import { decodePageCursor, encodePageCursor } from './page-cursor.js'
import type { CommunityHierarchy, CommunitySummary, ListCommunitiesParams, Paged, ReadResult } from './read-views.js'
import { err, ok } from './result.js'
import type { CommunityPageQuery, Store, StoredConfig } from './store.js'

/** One community as the tree knows it: enough to list, filter and resolve parents. */
export interface CommunityEntry extends CommunitySummary {
  parent?: string
}

/** Every community: the index on Node, the "communities" directory on Workers. */
export interface CommunityTree {
  entry(uri: string): CommunityEntry | undefined
  /** Up to `limit` entries naming `uri` as parent, in (id, uri) order. */
  children(uri: string, limit: number): CommunityEntry[]
  page(q: CommunityPageQuery): CommunityEntry[]
}

export const entryOf = (c: StoredConfig): CommunityEntry => ({
  uri: c.uri, id: c.id, owner: c.owner, name: c.config.name, stage: c.config.stage,
  ...(c.config.parentCommunity !== undefined ? { parent: c.config.parentCommunity } : {}),
})

const summaryOf = ({ uri, id, owner, name, stage }: CommunityEntry): CommunitySummary => ({ uri, id, owner, name, stage })

export function storeTree(store: Store): CommunityTree {
  return {
    entry: (uri) => { const c = store.getConfig(uri); return c && entryOf(c) },
    children: (uri, limit) => store.childCommunities(uri, limit).map(entryOf),
    page: (q) => store.communitiesPage(q).map(entryOf),
  }
}

const lookupIn = (tree: CommunityTree): ParentLookup<CommunityEntry> => ({ get: (uri) => tree.entry(uri), uriOf: (e) => e.uri, parentOf: (e) => e.parent })

/**
 * getCommunity lists at most this many children: anyone can write configs naming any community as
 * their parent, and each listed child costs a walk up its parent chain.
 */
export const MAX_CHILDREN = 100

/** The parent when it resolves (unknown, deleted, cycle: none), and the children that resolve to `uri`. */
export function hierarchyOf(tree: CommunityTree, uri: string): CommunityHierarchy {
  const lookup = lookupIn(tree)
  const self = tree.entry(uri)
  const parent = self ? resolveParentIn(lookup, self).parent : undefined
  const children = tree.children(uri, MAX_CHILDREN).filter((c) => resolveParentIn(lookup, c).parent?.uri === uri)
  return { ...(parent ? { parent: parent.uri } : {}), children: children.map(summaryOf) }
}

/** The longest name search accepted (a name is at most 100 graphemes). */
export const MAX_QUERY = 100

export function listCommunities(tree: CommunityTree, params: ListCommunitiesParams): ReadResult<Paged<'communities', CommunitySummary>> {
  if (params.owner !== undefined && !isValidDid(params.owner)) return err({ error: 'InvalidRequest', message: 'owner must be a DID' })
  let after: { id: string; uri: string } | undefined
  if (params.cursor !== undefined) {
    const decoded = decodePageCursor('communities', params.cursor)
    if (!decoded.ok) return err({ error: 'InvalidRequest', message: decoded.error })
    after = { id: decoded.value[0], uri: decoded.value[1] }
  }
  if (params.q !== undefined && (params.q.length === 0 || params.q.length > MAX_QUERY)) {
    return err({ error: 'InvalidRequest', message: `q must be 1 to ${MAX_QUERY} characters` })
  }
  const rows = tree.page({
    limit: params.limit + 1, ...(after !== undefined ? { after } : {}), ...(params.owner !== undefined ? { owner: params.owner } : {}), ...(params.q !== undefined ? { name: params.q } : {}),
  })
  const page = rows.slice(0, params.limit)
  const last = page[page.length - 1]
  return ok({ communities: page.map(summaryOf), ...(rows.length > params.limit && last ? { cursor: encodePageCursor('communities', [last.id, last.uri]) } : {}) })
}
