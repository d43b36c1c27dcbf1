import { fromUint8Array } from '@atcute/car'
import { toString as cidToString } from '@atcute/cid'

/** A commit's CAR: its first root and its blocks by CID string. */
export interface CarBlocks {
  root: string | undefined
  blocks: Map<string, Uint8Array>
}

/**
 * Reads a CAR's blocks without hashing them. Stage 2 and the commit verifier both read through
 * this, so when a CAR repeats a CID the block one of them checks is the block the other decodes.
 */
export function readCarBlocks(car: Uint8Array): CarBlocks {
  const blocks = new Map<string, Uint8Array>()
  let root: string | undefined
  try {
    const reader = fromUint8Array(car)
    root = reader.roots[0]?.$link
    for (const entry of reader) blocks.set(cidToString(entry.cid), entry.bytes)
  } catch {
    // A truncated CAR still yields the blocks before the damage; missing ones are reported per op.
  }
  return { root, blocks }
}
