import { NSID } from '../../src/core/nsid.js'
import { community, type Community } from './events.js'

/**
 * A deterministic generator of Jetstream frames with the network's rough mix: ~75% likes,
 * reposts and follows, ~24% posts (~1% naming one of the communities), ~2% post deletes and
 * ~0.1% net.atrarium.* records. Frames average roughly 500 bytes, like the real stream.
 */
export interface StreamOptions {
  seed?: number
  communities?: number
  membersPerCommunity?: number
  startUs?: number
  /** Share of posts that name a community (default 0.04, so ~1% of all frames); 1 with `postsOnly` makes every frame match. */
  communityShare?: number
  /** Only post creates: the every-frame-matches stream of the indexing benchmark. */
  postsOnly?: boolean
  /** Share of post deletes that delete a recent community post (default 0.2). */
  communityDeletes?: number
  /** Share of frames that are a new membership (default 0.001). */
  membershipShare?: number
}

export const WORDS = 'the a community feed today bluesky post about with and for this that great new photo music art code science news weather coffee morning evening weekend project launch thanks friends open source protocol garden'.split(' ')

/** mulberry32: a seeded generator of [0, 1) that is small, fast, and the same sequence on every runtime. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function createStream(opts: StreamOptions = {}) {
  const rand = seededRandom(opts.seed ?? 42)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const did = (n: number) => `did:plc:${n.toString(36).padStart(24, 'a')}`
  const rkey = () => `3l${Math.floor(rand() * 36 ** 11).toString(36).padStart(11, '2')}`
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ')

  const communities: Community[] = Array.from({ length: opts.communities ?? 1000 }, (_, i) => community(did(1_000_000 + i), `3kcomm${i.toString(36).padStart(7, '2')}`))
  const members = communities.map((_, i) => Array.from({ length: opts.membersPerCommunity ?? 10 }, (_, m) => did(2_000_000 + i * 1000 + m)))
  let timeUs = opts.startUs ?? Date.now() * 1000 - 3_600_000_000
  const recentPosts: { did: string; rkey: string }[] = []

  const commit = (author: string, collection: string, op: string, key: string, record?: object) => {
    timeUs += 500
    const c: Record<string, unknown> = { rev: `3m${timeUs.toString(36)}`, operation: op, collection, rkey: key }
    if (record) Object.assign(c, { record: { $type: collection, ...record }, cid: `bafyrei${Math.floor(rand() * 2 ** 52).toString(32).padStart(52, 'a')}` })
    return { raw: JSON.stringify({ did: author, time_us: timeUs, kind: 'commit', commit: c }), timeUs }
  }
  const createdAt = () => new Date(timeUs / 1000).toISOString()
  const strongRef = () => ({ uri: `at://${did(Math.floor(rand() * 1e6))}/${NSID.post}/${rkey()}`, cid: `bafyrei${'b'.repeat(52)}` })

  /** The configs and memberships that make the communities known, as frames. */
  function setup(): string[] {
    const out: string[] = []
    communities.forEach((c, i) => {
      out.push(commit(c.owner, NSID.config, 'create', c.rkey, { name: `Community ${i}`, hashtag: c.hashtag, stage: 'theme', moderators: [], createdAt: createdAt() }).raw)
      for (const m of members[i]!) out.push(commit(m, NSID.membership, 'create', rkey(), { community: c.uri, role: 'member', joinedAt: createdAt(), active: true }).raw)
    })
    return out
  }

  function next(): { raw: string; timeUs: number; kind: string } {
    const r = opts.postsOnly ? 0.9 : rand()
    const author = did(Math.floor(rand() * 1e6))
    if (r < 0.75) {
      const kind = pick([NSID.like, NSID.like, NSID.repost, NSID.follow])
      const record = kind === NSID.follow ? { subject: did(Math.floor(rand() * 1e6)), createdAt: createdAt() } : { subject: strongRef(), createdAt: createdAt(), ...(rand() < 0.2 ? { via: strongRef() } : {}) }
      return { ...commit(author, kind, 'create', rkey(), record), kind: 'engagement' }
    }
    if (r < 0.98) {
      const c = rand() < (opts.communityShare ?? 0.04) ? Math.floor(rand() * communities.length) : -1
      const poster = c >= 0 ? pick(members[c]!) : author
      const key = rkey()
      const text = `${words(8 + Math.floor(rand() * 30))}${c >= 0 ? ` ${communities[c]!.hashtag}` : ''}`
      if (c >= 0) recentPosts.push({ did: poster, rkey: key })
      if (recentPosts.length > 1000) recentPosts.shift()
      return { ...commit(poster, NSID.post, 'create', key, { text, langs: ['en'], createdAt: createdAt() }), kind: c >= 0 ? 'community-post' : 'post' }
    }
    if (r < 1 - (opts.membershipShare ?? 0.001)) {
      const victim = rand() < (opts.communityDeletes ?? 0.2) && recentPosts.length > 0 ? recentPosts.splice(Math.floor(rand() * recentPosts.length), 1)[0]! : { did: author, rkey: rkey() }
      return { ...commit(victim.did, NSID.post, 'delete', victim.rkey), kind: 'delete' }
    }
    const i = Math.floor(rand() * communities.length)
    return { ...commit(did(3_000_000 + Math.floor(rand() * 1e5)), NSID.membership, 'create', rkey(), { community: communities[i]!.uri, role: 'member', joinedAt: createdAt(), active: true }), kind: 'atrarium' }
  }

  return { communities, members, setup, next }
}
