import { BytesWrapper, CidLinkWrapper, decode, encode, fromBytes } from '@atcute/cbor'
import { getPublicKeyFromDidController } from '@atcute/crypto'
import type { VerificationMaterial } from '@atcute/identity'
import { findRpathAndBuildProof, MemoryBlockStore, NodeStore, OverlayBlockStore } from '@atcute/mst'
import { isCommit } from '@atcute/repo'
import { readCarBlocks } from './car-blocks.js'
import { splitFrame } from './firehose-frame.js'
import type { Result } from './result.js'
import { VerifiedBlocks } from './verified-blocks.js'

/** Why a commit was refused: its signature, its ops' MST proofs, or no usable key for its repo. */
export type RejectReason = 'signature' | 'proof' | 'key'
export const REJECT_REASONS: readonly RejectReason[] = ['signature', 'proof', 'key']
/** Counters of refused commits by reason, all 0: what the hosts' stats start from. */
export const noRejections = (): Record<RejectReason, number> => ({ signature: 0, proof: 0, key: 0 })

/**
 * `verified`: signed by the repo's key, every indexed op proven in its MST. `unchecked`: nothing of
 * it is indexed (not a commit, or no op in a wanted collection), so there was nothing to verify.
 */
export type CommitVerdict = { outcome: 'verified' | 'unchecked' } | { outcome: 'rejected'; reason: RejectReason; detail: string }

/** A repo's `#atproto` key; `cached` when it came from memory and may predate a rotation. */
export interface RepoKey {
  material: VerificationMaterial
  cached: boolean
}

/** The repos' current signing keys, from their DID documents (the host brings the network). */
export interface RepoKeys {
  get(did: string): Promise<Result<RepoKey>>
  /** Looks again after a failed signature; answers the kept key (`cached`) when it was fetched too recently. */
  refresh(did: string): Promise<Result<RepoKey>>
  /** The DID's identity changed (`#identity`): the next `get` fetches it. */
  forget(did: string): void
}

/** Checks a signature against a DID document key (the hosts' JWT checks: low-S, 64-byte compact). */
export type SignatureCheck = (material: VerificationMaterial, alg: string, message: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer>) => Promise<boolean>

export interface CommitVerifierOptions {
  keys: RepoKeys
  verifySignature: SignatureCheck
  /** Ops in these collections are the ones indexed, and so the ones proven. */
  collections: ReadonlySet<string>
  /** Frames of a batch judged at once (their key lookups and signature checks overlap). */
  parallel?: number
}

// A commit holds at most 200 ops (the repo spec's limit); more indexed ops than that is no real commit.
const MAX_PROVEN_OPS = 200
const PARALLEL = 16

const rejected = (reason: RejectReason, detail: string): CommitVerdict => ({ outcome: 'rejected', reason, detail })
const UNCHECKED: CommitVerdict = { outcome: 'unchecked' }
const VERIFIED: CommitVerdict = { outcome: 'verified' }

type Split = ReturnType<typeof splitFrame>

interface ProvenOp {
  path: string
  /** The record CID a create or update claims; undefined for a delete. */
  cid: string | undefined
}

/**
 * Verifies `subscribeRepos` frames before they are indexed (sync v1.1): a `#commit` is signed by its
 * repo's current `#atproto` key, and each op that is indexed is proven against the commit's MST with
 * the blocks the commit carries (a create or update: its path holds its record CID, whose block
 * hashes to it; a delete: its path is absent). `#identity` frames make the repo's key be fetched
 * again, exactly from that frame on in stream order. Runtime-neutral: both hosts run this one implementation.
 */
export class CommitVerifier {
  readonly #opts: CommitVerifierOptions

  constructor(opts: CommitVerifierOptions) {
    this.#opts = opts
  }

  /**
   * Verdicts for a batch's frames, in their order. Frames between two `#identity` frames are judged
   * together (a signature check waits on a thread or a key lookup, so one after another would add
   * up); an `#identity` frame waits for those before it, and those after it wait for it, so a key
   * rotation applies exactly from its frame on.
   */
  async verifyAll(frames: readonly Uint8Array[]): Promise<CommitVerdict[]> {
    const split = frames.map(splitFrame)
    const verdicts: CommitVerdict[] = new Array(split.length)
    let from = 0
    for (let i = 0; i <= split.length; i++) {
      const frame = split[i]
      if (frame && !(frame.ok && frame.value.header.t === '#identity')) continue
      await this.#verifyRange(split, verdicts, from, i)
      if (frame) verdicts[i] = await this.#verify(frame)
      from = i + 1
    }
    return verdicts
  }

  verify(frame: Uint8Array): Promise<CommitVerdict> {
    return this.#verify(splitFrame(frame))
  }

  async #verify(split: Split): Promise<CommitVerdict> {
    try {
      return await this.#judge(split)
    } catch (e) {
      // Never seen, but a throw would fail the batch, which is retried forever: refuse the commit.
      return rejected('proof', `unverifiable: ${(e as Error).message}`)
    }
  }

  async #judge(split: Split): Promise<CommitVerdict> {
    // Stage 2 reports what does not parse; a header other than a commit's carries no record.
    if (!split.ok || split.value.header.op !== 1) return UNCHECKED
    const { header, body } = split.value
    if (header.t === '#identity') {
      if (typeof body.did === 'string') this.#opts.keys.forget(body.did)
      return UNCHECKED
    }
    if (header.t !== '#commit') return UNCHECKED
    const ops = this.#provenOps(body.ops)
    if (ops.length === 0) return UNCHECKED
    if (ops.length > MAX_PROVEN_OPS) return rejected('proof', `${ops.length} ops`)
    const { repo: did, rev, commit: commitLink, blocks } = body
    if (typeof did !== 'string') return rejected('key', 'commit names no repo')
    if (!(blocks instanceof BytesWrapper) || !(commitLink instanceof CidLinkWrapper)) return rejected('proof', 'commit has no blocks')
    const car = readCarBlocks(blocks.buf)
    const store = new VerifiedBlocks(car.blocks)
    if (car.root !== commitLink.$link) return rejected('proof', 'CAR root is not the commit')
    let commit: unknown
    try {
      const bytes = await store.get(commitLink.$link)
      commit = bytes && decode(bytes)
    } catch (e) {
      return rejected('proof', `commit block: ${(e as Error).message}`)
    }
    if (!isCommit(commit)) return rejected('proof', 'no valid commit block')
    if (commit.did !== did || commit.rev !== rev) return rejected('proof', 'commit block is for another repo or rev')
    // The proofs need no network: a forged op costs no key lookup.
    const proof = await this.#prove(store, commit.data.$link, ops)
    if (proof) return rejected('proof', proof)
    const { sig, ...unsigned } = commit
    return this.#checkSignature(did, encode(unsigned), fromBytes(sig) as Uint8Array<ArrayBuffer>)
  }

  /** The ops stage 2 would index, read as it reads them (src/core/firehose-frame.ts). */
  #provenOps(ops: unknown): ProvenOp[] {
    if (!Array.isArray(ops)) return []
    const out: ProvenOp[] = []
    for (const op of ops) {
      if (typeof op !== 'object' || op === null || typeof op.path !== 'string') continue
      const slash = op.path.indexOf('/')
      if (slash < 0 || !this.#opts.collections.has(op.path.slice(0, slash))) continue
      if (op.action === 'delete') out.push({ path: op.path, cid: undefined })
      else if ((op.action === 'create' || op.action === 'update') && op.cid instanceof CidLinkWrapper) out.push({ path: op.path, cid: op.cid.$link })
    }
    return out
  }

  /** The first op whose proof fails, described; undefined when all hold. */
  async #prove(store: VerifiedBlocks, root: string, ops: readonly ProvenOp[]): Promise<string | undefined> {
    // One node store per commit: the ops share the nodes near the root, decoded once. Nothing is
    // written; the overlay only gives the read-only CAR the store interface NodeStore takes.
    const nodes = new NodeStore(new OverlayBlockStore(new MemoryBlockStore(), store))
    for (const op of ops) {
      try {
        const [value] = await findRpathAndBuildProof(nodes, root, op.path)
        if (op.cid === undefined) {
          if (value !== null) return `deleted ${op.path} is still in the MST`
          continue
        }
        if (value?.$link !== op.cid) return `${op.path} is not ${op.cid} in the MST`
        // Stage 2 decodes the record from this block, so it must hash to the CID the MST names. A
        // commit may leave it out (the repo held the same record already); stage 2 then skips the op.
        await store.get(op.cid)
      } catch (e) {
        return `${op.path}: ${(e as Error).message}`
      }
    }
    return undefined
  }

  async #checkSignature(did: string, message: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer>): Promise<CommitVerdict> {
    const first = await this.#opts.keys.get(did)
    if (!first.ok) return rejected('key', first.error)
    if (await this.#signedBy(first.value, message, signature)) return VERIFIED
    // A kept key may predate a rotation whose #identity frame we missed: look once more.
    if (!first.value.cached) return rejected('signature', 'signature does not match the repo key')
    const fresh = await this.#opts.keys.refresh(did)
    if (!fresh.ok) return rejected('key', fresh.error)
    if (!fresh.value.cached && (await this.#signedBy(fresh.value, message, signature))) return VERIFIED
    return rejected('signature', 'signature does not match the repo key')
  }

  async #signedBy(key: RepoKey, message: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer>): Promise<boolean> {
    let alg: string
    try {
      alg = getPublicKeyFromDidController(key.material).jwtAlg
    } catch {
      return false
    }
    return this.#opts.verifySignature(key.material, alg, message, signature)
  }

  async #verifyRange(split: readonly Split[], verdicts: CommitVerdict[], from: number, to: number): Promise<void> {
    let next = from
    const worker = async () => {
      while (next < to) {
        const i = next++
        verdicts[i] = await this.#verify(split[i]!)
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.#opts.parallel ?? PARALLEL, to - from) }, worker))
  }
}
