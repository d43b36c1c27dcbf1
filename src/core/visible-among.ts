import type { Store } from './store.js'

/** Those of `uris` shown in `community` (indexed there, not hidden, author a member, not blocked), in the given order. */
export const visibleAmong = (store: Pick<Store, 'visibleCommunities'>, community: string, uris: readonly string[]): string[] =>
  uris.filter((uri) => store.visibleCommunities(uri).includes(community))
