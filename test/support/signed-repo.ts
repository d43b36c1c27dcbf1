import { decode, encode, fromBytes, toBytes, toCidLink } from '@atcute/cbor'
import { fromString } from '@atcute/cid'
import { Secp256k1Keypair } from '@atproto/crypto'
import { BlockMap, MemoryBlockstore, Repo, WriteOpAction, type RecordWriteOp } from '@atproto/repo'
import { concat } from '../fuzz/mutate.js'
import { carOf, cidOf } from './commit-frames.js'

export interface Write {
  action: 'create' | 'update' | 'delete'
  collection: string
  rkey: string
  record?: Record<string, unknown>
}

/** What a test may change in a commit before it is framed: the signed commit object, or the ops it announces. */
export interface Tamper {
  /** Gets the decoded commit block; what it returns is re-encoded (so its CID, the frame's commit, changes). */
  commit?: (commit: Record<string, unknown>) => Record<string, unknown> | Promise<Record<string, unknown>>
  ops?: (ops: FrameOp[]) => FrameOp[]
  /** Blocks added to the CAR: a forged record the ops may name. */
  blocks?: { cid: Cid; data: Uint8Array }[]
}

type FrameOp = { action: string; path: string; cid: unknown }

type Cid = ReturnType<typeof cidOf>
const cidFrom = (s: string): Cid => {
  const c = fromString(s)
  return { bytes: c.bytes, link: toCidLink(c), string: s }
}
const ACTIONS = { create: WriteOpAction.Create, update: WriteOpAction.Update, delete: WriteOpAction.Delete } as const

/**
 * A real atproto repo (@atproto/repo, as a PDS keeps it) signed with a real secp256k1 key, whose
 * commits are framed as a PDS's `#commit` frames: the commit block, the new MST nodes and records,
 * and the nodes the ops' proofs need, as sync v1.1 sends them.
 */
export class SignedRepo {
  private constructor(
    readonly did: string,
    public keypair: Secp256k1Keypair,
    private repo: Repo,
  ) {}

  /** A repo holding `records` filler records first, so its MST has more than one level. */
  static async create(did: string, opts: { records?: number; collection?: string } = {}): Promise<SignedRepo> {
    const keypair = await Secp256k1Keypair.create({ exportable: true })
    const filler = Array.from({ length: opts.records ?? 0 }, (_, i) => ({
      action: WriteOpAction.Create as const, collection: opts.collection ?? 'app.bsky.feed.like', rkey: `3filler${i.toString(36).padStart(6, '0')}`,
      record: { $type: 'app.bsky.feed.like', createdAt: '2026-01-01T00:00:00.000Z', subject: { uri: `at://${did}/app.bsky.feed.post/x${i}`, cid: 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm' } },
    }))
    return new SignedRepo(did, keypair, await Repo.create(new MemoryBlockstore(), did, keypair, filler))
  }

  /** The DID document a PLC serves for this repo: its current key as `#atproto`. */
  didDocument(): object {
    return {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: this.did, alsoKnownAs: [],
      verificationMethod: [{ id: `${this.did}#atproto`, type: 'Multikey', controller: this.did, publicKeyMultibase: this.keypair.did().slice('did:key:'.length) }],
      service: [],
    }
  }

  /** A new signing key (the DID document must be updated to match). */
  async rotateKey(): Promise<void> {
    this.keypair = await Secp256k1Keypair.create({ exportable: true })
  }

  /** Applies the writes and returns their `#commit` frame, optionally tampered with after signing. */
  async commit(seq: number, writes: readonly Write[], tamper: Tamper = {}): Promise<Uint8Array> {
    const ops = writes.map((w) => ({ action: ACTIONS[w.action], collection: w.collection, rkey: w.rkey, ...(w.record ? { record: { $type: w.collection, ...w.record } } : {}) })) as RecordWriteOp[]
    const data = await this.repo.formatCommit(ops, this.keypair)
    this.repo = await this.repo.applyCommit(data)
    const blocks = new BlockMap()
    blocks.addMap(data.newBlocks)
    blocks.addMap(data.relevantBlocks)
    let commit = cidFrom(data.cid.toString())
    const car = [...blocks.entries().map((e) => ({ cid: cidFrom(e.cid.toString()), data: e.bytes })), ...(tamper.blocks ?? [])]
    if (tamper.commit) {
      const bytes = encode(await tamper.commit(decode(blocks.get(data.cid)!) as Record<string, unknown>))
      const i = car.findIndex((b) => b.cid.string === commit.string)
      commit = cidOf(bytes)
      car[i] = { cid: commit, data: bytes }
    }
    let frameOps: FrameOp[] = await Promise.all(
      writes.map(async (w) => {
        const path = `${w.collection}/${w.rkey}`
        const cid = w.action === 'delete' ? null : cidFrom((await this.repo.data.get(path))!.toString()).link
        return { action: w.action, path, cid }
      }),
    )
    if (tamper.ops) frameOps = tamper.ops(frameOps)
    return concat(
      encode({ op: 1, t: '#commit' }),
      encode({
        seq, repo: this.did, rev: data.rev, since: data.since, time: new Date().toISOString(), ops: frameOps,
        blocks: toBytes(carOf(commit, car)), commit: commit.link, rebase: false, tooBig: false, blobs: [],
      }),
    )
  }
}

/** A `#identity` frame: the DID's document (handle or key) changed. */
export const identityFrame = (seq: number, did: string): Uint8Array =>
  concat(encode({ op: 1, t: '#identity' }), encode({ seq, did, time: new Date().toISOString() }))

/** A record's block and CID as a forger would add one: a real block, just not the one the MST names. */
export function foreignRecord(record: Record<string, unknown>): { cid: Cid; data: Uint8Array } {
  const data = encode(record)
  return { cid: cidOf(data), data }
}

/** Signs the commit object again with `key`: a well-formed commit by the wrong key. */
export async function resign(commit: Record<string, unknown>, key: Secp256k1Keypair): Promise<Record<string, unknown>> {
  const { sig: _sig, ...unsigned } = commit
  return { ...unsigned, sig: toBytes(await key.sign(encode(unsigned))) }
}

/** The commit with one signature byte flipped: well-formed, signed by nobody. */
export function flipSignatureByte(commit: Record<string, unknown>): Record<string, unknown> {
  const sig = fromBytes(commit.sig as never).slice()
  sig[7]! ^= 0x80
  return { ...commit, sig: toBytes(sig) }
}
