import { authorities, needsApproval } from './moderation.js'
import type { Store, StoredConfig } from './store.js'

const PAGE = 100

/** Every community in (id, uri) order, optionally of one owner, read a page at a time. */
export function* eachCommunity(store: Pick<Store, 'communitiesPage'>, owner?: string): Generator<StoredConfig> {
  const q = owner === undefined ? { limit: PAGE } : { owner, limit: PAGE }
  for (let page = store.communitiesPage(q); ; ) {
    yield* page
    const last = page[page.length - 1]
    if (page.length < PAGE || !last) return
    page = store.communitiesPage({ ...q, after: { id: last.id, uri: last.uri } })
  }
}

/**
 * Every member of a community (SPEC §3, §4, §9): its owner and moderators, then active memberships
 * (approved ones, where approval is asked) in DID order, read a page at a time. A DID may come twice
 * (a moderator with a membership record).
 */
export function* eachMember(store: Pick<Store, 'activeMembers'>, community: StoredConfig): Generator<string> {
  yield* authorities(community)
  yield* eachActiveMembership(store, community.uri, needsApproval(community) ? 'approved' : undefined)
}

/** DIDs with an active membership record in a community, whatever (or with) their approval, in DID order. */
export function* eachActiveMembership(store: Pick<Store, 'activeMembers'>, community: string, approval?: 'approved' | 'pending'): Generator<string> {
  const page = (after?: string) => store.activeMembers(community, { limit: 1000, ...(after !== undefined ? { after } : {}) }, approval)
  for (let m = page(); m.length > 0; m = page(m[m.length - 1]!.did)) {
    for (const row of m) yield row.did
  }
}
