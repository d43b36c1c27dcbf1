import { create, fromString, toString as cidToString } from '@atcute/cid'
import type { BlockMap, ReadonlyBlockStore } from '@atcute/mst'

/**
 * A commit's CAR blocks as an MST block store that hashes each block it hands out against its CID,
 * once: a CAR is the sender's to write, so only the hash ties a block to the signed root. Blocks
 * never read are never hashed.
 */
export class VerifiedBlocks implements ReadonlyBlockStore {
  readonly #blocks: Map<string, Uint8Array>
  readonly #checked = new Set<string>()

  constructor(blocks: Map<string, Uint8Array>) {
    this.#blocks = blocks
  }

  /** The block, or null when the CAR lacks it; throws when its bytes are not the CID's. */
  async get(cid: string): Promise<Uint8Array<ArrayBuffer> | null> {
    const bytes = this.#blocks.get(cid) as Uint8Array<ArrayBuffer> | undefined
    if (bytes === undefined) return null
    if (!this.#checked.has(cid)) {
      const { codec } = fromString(cid)
      if ((codec !== 0x71 && codec !== 0x55) || cidToString(await create(codec, bytes)) !== cid) throw new Error(`block ${cid} does not match its CID`)
      this.#checked.add(cid)
    }
    return bytes
  }

  async getMany(cids: string[]): Promise<{ found: BlockMap; missing: string[] }> {
    const found: BlockMap = new Map()
    const missing: string[] = []
    for (const cid of cids) {
      const bytes = await this.get(cid)
      if (bytes === null) missing.push(cid)
      else found.set(cid, bytes)
    }
    return { found, missing }
  }

  has(cid: string): Promise<boolean> {
    return Promise.resolve(this.#blocks.has(cid))
  }
}
