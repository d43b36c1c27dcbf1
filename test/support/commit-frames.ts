import { encode, toBytes, toCidLink } from '@atcute/cbor'
import { fromDigest, toString as cidToString } from '@atcute/cid'
import { sha256 } from '@noble/hashes/sha2.js'
import type { RecordEvent } from '../../src/core/events.js'
import { concat, varint } from '../fuzz/mutate.js'

/** A dag-cbor block's CID, in the three forms frames use. */
export function cidOf(data: Uint8Array) {
  const cid = fromDigest(0x71, sha256(data))
  return { bytes: cid.bytes, link: toCidLink(cid), string: cidToString(cid) }
}

/** A CAR file of `blocks` with `root` as its root. */
export function carOf(root: ReturnType<typeof cidOf>, blocks: { cid: ReturnType<typeof cidOf>; data: Uint8Array }[]): Uint8Array {
  const header = encode({ version: 1, roots: [root.link] })
  const parts: Uint8Array[] = [varint(header.length), header]
  for (const b of blocks) parts.push(varint(b.cid.bytes.length + b.data.length), b.cid.bytes, b.data)
  return concat(...parts)
}

const isoUs = (us: number) => new Date(Math.floor(us / 1000)).toISOString()

/**
 * A relay's `#commit` frame for one repo's writes (what stage 2 reads: ops, and the records' blocks
 * in the CAR). No MST and no signature: nothing here verifies them.
 */
export function commitFrame(seq: number, events: readonly RecordEvent[]): Uint8Array {
  const first = events[0]!
  const blocks: { cid: ReturnType<typeof cidOf>; data: Uint8Array }[] = []
  const ops = events.map((e) => {
    const path = `${e.collection}/${e.rkey}`
    if (e.op === 'delete') return { action: 'delete', path, cid: null }
    const data = encode(e.record as Record<string, unknown>)
    const cid = cidOf(data)
    blocks.push({ cid, data })
    return { action: e.op, path, cid: cid.link }
  })
  const rev = `3m${first.timeUs.toString(36)}`
  const commitBlock = encode({ did: first.did, rev, version: 3, data: blocks[0]?.cid.link ?? null })
  const commit = cidOf(commitBlock)
  const car = carOf(commit, [{ cid: commit, data: commitBlock }, ...blocks])
  return concat(
    encode({ op: 1, t: '#commit' }),
    encode({
      seq, repo: first.did, rev, since: null, time: isoUs(first.timeUs), ops, blocks: toBytes(car),
      commit: commit.link, rebase: false, tooBig: false, blobs: [], prevData: commit.link,
    }),
  )
}
