import type { Store, StoredConfig } from './store.js'

const MAX_DEPTH = 64

export type ParentResolution<N = StoredConfig> =
  | { parent: N }
  | { parent: undefined; reason?: 'unknown' | 'cycle' }

/** Whatever holds the community tree: the index on Node, the communities directory on Workers. */
export interface ParentLookup<N> {
  get(uri: string): N | undefined
  uriOf(node: N): string
  parentOf(node: N): string | undefined
}

/**
 * A community's parent (SPEC §7): its `parentCommunity` when that resolves to a known config. A
 * parent that is unknown or deleted, or any cycle up the chain, means no parent.
 */
export function resolveParentIn<N>(tree: ParentLookup<N>, community: N): ParentResolution<N> {
  const parentUri = tree.parentOf(community)
  if (parentUri === undefined) return { parent: undefined }
  const parent = tree.get(parentUri)
  if (parent === undefined) return { parent: undefined, reason: 'unknown' }
  const seen = new Set([tree.uriOf(community)])
  for (let node: N | undefined = parent, depth = 0; node !== undefined && depth < MAX_DEPTH; depth++) {
    if (seen.has(tree.uriOf(node))) return { parent: undefined, reason: 'cycle' }
    seen.add(tree.uriOf(node))
    const up = tree.parentOf(node)
    node = up === undefined ? undefined : tree.get(up)
  }
  return { parent }
}

export function resolveParent(store: Store, community: StoredConfig): ParentResolution {
  // Most communities have no parent; they skip building the lookup (this runs per feed request).
  if (community.config.parentCommunity === undefined) return { parent: undefined }
  return resolveParentIn<StoredConfig>({ get: (uri) => store.getConfig(uri), uriOf: (c) => c.uri, parentOf: (c) => c.config.parentCommunity }, community)
}
