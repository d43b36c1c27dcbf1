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
