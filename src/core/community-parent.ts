import type { Store, StoredConfig } from './store.js'

const MAX_DEPTH = 64

export type ParentResolution =
  | { parent: StoredConfig }
  | { parent: undefined; reason?: 'unknown' | 'cycle' }

/**
 * A community's parent source (SPEC §7): its `parentCommunity` when that resolves to a known
 * config. A parent that is unknown or deleted, or any cycle up the chain, means no parent.
 */
export function resolveParent(store: Store, community: StoredConfig): ParentResolution {
  const parentUri = community.config.parentCommunity
  if (parentUri === undefined) return { parent: undefined }
  const parent = store.getConfig(parentUri)
  if (!parent) return { parent: undefined, reason: 'unknown' }
  const seen = new Set([community.uri])
  for (let node: StoredConfig | undefined = parent, depth = 0; node && depth < MAX_DEPTH; depth++) {
    if (seen.has(node.uri)) return { parent: undefined, reason: 'cycle' }
    seen.add(node.uri)
    const up: string | undefined = node.config.parentCommunity
    node = up === undefined ? undefined : store.getConfig(up)
  }
  return { parent }
}
