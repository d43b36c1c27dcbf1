/**
 * Firehose frames for the verified-ingest benchmark: the ~1% that pass stage 1 (community posts by
 * members, deletes of them, the setup's configs and memberships) are real commits of real repos,
 * signed with secp256k1 keys and carrying their MST blocks (test/support/signed-repo.ts), so the
 * verifier does its full work on them; the ~99% that stage 1 drops are cheap unsigned commits of
 * likes and other people's posts (test/support/commit-frames.ts).
 */
import { writeFileSync } from 'node:fs'
import { NSID } from '../src/core/nsid.js'
import { commitFrame } from '../test/support/commit-frames.js'
import { community } from '../test/support/events.js'
import { prng } from '../test/fuzz/mutate.js'
import { SignedRepo } from '../test/support/signed-repo.js'

export interface FirehoseBenchFrames {
  setup: Uint8Array[]
  timed: Uint8Array[]
  /** The DID documents a PLC must serve for the signed repos. */
  docs: Record<string, object>
  passing: number
}

const did = (n: number) => `did:plc:${n.toString(36).padStart(24, 'a')}`

export async function firehoseBenchFrames(opts: { frames: number; communities?: number; members?: number; fillerRecords?: number; seed?: number }): Promise<FirehoseBenchFrames> {
  const rand = prng(opts.seed ?? 11)
  let seq = 0
  let timeUs = Date.now() * 1000 - 600_000_000
  const createdAt = () => new Date((timeUs += 500) / 1000).toISOString()
  const rkey = () => `3l${Math.floor(rand() * 36 ** 11).toString(36).padStart(11, '2')}`
  const communities = Array.from({ length: opts.communities ?? 20 }, (_, i) => community(did(1_000_000 + i), `3kcomm${i.toString(36).padStart(7, '2')}`))
  const docs: Record<string, object> = {}
  const setup: Uint8Array[] = []
  const members: SignedRepo[][] = []
  for (const [i, c] of communities.entries()) {
    const owner = await SignedRepo.create(c.owner)
    docs[c.owner] = owner.didDocument()
    setup.push(await owner.commit(++seq, [{ action: 'create', collection: NSID.config, rkey: c.rkey, record: { name: `Community ${i}`, hashtag: c.hashtag, stage: 'theme', moderators: [], createdAt: createdAt() } }]))
    members.push([])
    for (let m = 0; m < (opts.members ?? 10); m++) {
      // Filler records give the members' MSTs the depth of a used account's.
      const repo = await SignedRepo.create(did(2_000_000 + i * 1000 + m), { records: opts.fillerRecords ?? 50 })
      docs[repo.did] = repo.didDocument()
      setup.push(await repo.commit(++seq, [{ action: 'create', collection: NSID.membership, rkey: rkey(), record: { community: c.uri, role: 'member', joinedAt: createdAt(), active: true } }]))
      members[i]!.push(repo)
    }
  }
  const recent: { repo: SignedRepo; rkey: string }[] = []
  const timed: Uint8Array[] = []
  let passing = 0
  for (let n = 0; n < opts.frames; n++) {
    const r = rand()
    const author = did(Math.floor(rand() * 1e6))
    if (r < 0.01) {
      const i = Math.floor(rand() * communities.length)
      const repo = members[i]![Math.floor(rand() * members[i]!.length)]!
      const key = rkey()
      timed.push(await repo.commit(++seq, [{ action: 'create', collection: NSID.post, rkey: key, record: { text: `bench post ${communities[i]!.hashtag}`, langs: ['en'], createdAt: createdAt() } }]))
      recent.push({ repo, rkey: key })
      passing++
    } else if (r < 0.012 && recent.length > 0) {
      const victim = recent.splice(Math.floor(rand() * recent.length), 1)[0]!
      timed.push(await victim.repo.commit(++seq, [{ action: 'delete', collection: NSID.post, rkey: victim.rkey }]))
      passing++
    } else {
      const collection = r < 0.76 ? NSID.like : NSID.post
      const record = collection === NSID.like ? { $type: NSID.like, subject: { uri: `at://${author}/${NSID.post}/${rkey()}`, cid: 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm' }, createdAt: createdAt() } : { $type: NSID.post, text: 'an ordinary post', createdAt: createdAt() }
      timed.push(commitFrame(++seq, [{ op: 'create', did: author, collection, rkey: rkey(), record, timeUs, cursor: seq }]))
    }
  }
  return { setup, timed, docs, passing }
}

/** `[u32 LE length][frame]…`, the format test/support/firehose-frames.ts reads. */
export function writeFrames(file: string, frames: readonly Uint8Array[]): void {
  const parts: Buffer[] = []
  for (const f of frames) {
    const len = Buffer.alloc(4)
    len.writeUInt32LE(f.length)
    parts.push(len, Buffer.from(f))
  }
  writeFileSync(file, Buffer.concat(parts))
}
