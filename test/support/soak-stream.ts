import type { RecordEvent } from '../../src/core/events.js'
import { NSID } from '../../src/core/nsid.js'
import { community, del, isoUs, postUri, write, type Community } from './events.js'
import { seededRandom, WORDS } from './stream-generator.js'

/**
 * The soak test's stream (issue #15): the network's noise (likes, reposts, follows, untagged posts,
 * deletes of posts nobody indexed, tags of unknown communities) around communities that live: configs
 * (some created mid-stream), joins and leaves, posts by members and non-members naming one or two
 * communities in text or tags, deletes of those posts, and the owners' and moderators' hides, unhides,
 * blocks and unblocks, some later withdrawn by deleting the action.
 *
 * It generates only situations whose outcome SPEC decides unambiguously, so that `SoakModel` can say
 * exactly what the index must hold whatever the order of replays: configs never change, posts name
 * only communities whose config came earlier, record keys are never reused, a user holds at most one
 * membership per community, only owners and moderators act and never against each other, and no
 * author writes more posts to a community than the indexer keeps for a non-member.
 */
export interface SoakStreamOptions {
  seed: number
  /** Communities whose configs open the stream (default 4). */
  communities?: number
  /** Communities created later, one about every `lateEvery` events (default 2, 8,000). */
  lateCommunities?: number
  lateEvery?: number
  /** Regular users posting, joining and leaving at any one time (default 40). */
  pool?: number
}

export interface SoakCommunity extends Community {
  moderator: string
}

// Below the 100 posts the indexer keeps per non-member and community (SPEC §4): the cap, which the
// model leaves out, then never drops anything. A user who reaches it is replaced in the pool.
const POSTS_PER_USER = 60
const LIVE_POSTS_KEPT = 5000
const LIVE_ACTIONS_KEPT = 2000

const BASE32 = '234567abcdefghijklmnopqrstuvwxyz'

/**
 * `n` in `width` base32-sortable digits. Padded with the zero digit, so distinct numbers give
 * distinct strings: `toString(36).padStart(11, '2')` did not ('qqj' and '2qqj' both became
 * '22222222qqj'), and the first 30-minute soak failed on two records sharing a URI.
 */
export function fixedBase32(n: number, width: number): string {
  let s = ''
  for (let i = 0; i < width; i++, n = Math.floor(n / 32)) s = BASE32[n % 32] + s
  return s
}

export function createSoakStream(opts: SoakStreamOptions) {
  const rand = seededRandom(opts.seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const takeAt = <T>(xs: T[], i: number): T => {
    const x = xs[i]!
    xs[i] = xs[xs.length - 1]!
    xs.pop()
    return x
  }
  const did = (n: number) => `did:plc:${fixedBase32(n, 24)}`
  let keys = 0
  // Never reused, so a record's create and delete are unambiguous across replays.
  const rkey = () => `3l${fixedBase32(keys++, 11)}`
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ')

  const total = (opts.communities ?? 4) + (opts.lateCommunities ?? 2)
  const all: SoakCommunity[] = Array.from({ length: total }, (_, i) => ({
    ...community(did(1_000_000 + i), `3ksoak${i.toString(36).padStart(7, '2')}`),
    moderator: did(1_100_000 + i),
  }))
  const created: SoakCommunity[] = []
  const pendingConfigs = all.slice(0, opts.communities ?? 4)
  const lateAt = all.slice(opts.communities ?? 4).map((_, i) => Math.round((i + 1 + rand() / 2) * (opts.lateEvery ?? 8000)))
  let lateNext = opts.communities ?? 4
  let events = 0

  let nextUser = 2_000_000
  const pool = Array.from({ length: opts.pool ?? 40 }, () => did(nextUser++))
  const postsBy = new Map<string, number>()
  const memberships = new Map<string, string>() // `${did} ${configUri}` → membership rkey
  const leavable: { did: string; c: SoakCommunity; rkey: string }[] = []
  const livePosts: { did: string; rkey: string; communities: SoakCommunity[] }[] = []
  const liveActions: { did: string; rkey: string }[] = []
  const noiseDid = () => did(5_000_000 + Math.floor(rand() * 1e6))
  const strongRef = () => ({ uri: postUri(noiseDid(), rkey()), cid: `bafyrei${'b'.repeat(52)}` })

  const configOf = (c: SoakCommunity, timeUs: number) =>
    write(c.owner, NSID.config, c.rkey, { name: `Soak ${c.rkey}`, hashtag: c.hashtag, stage: 'theme', moderators: [c.moderator], createdAt: isoUs(timeUs) }, 'create', timeUs)

  function retire(user: string): void {
    pool[pool.indexOf(user)] = did(nextUser++)
    for (let i = leavable.length - 1; i >= 0; i--) if (leavable[i]!.did === user) takeAt(leavable, i)
  }

  function noise(timeUs: number): RecordEvent {
    const r = rand()
    const author = noiseDid()
    if (r < 0.8) {
      const collection = pick([NSID.like, NSID.like, NSID.repost, NSID.follow])
      const record = collection === NSID.follow ? { subject: noiseDid(), createdAt: isoUs(timeUs) } : { subject: strongRef(), createdAt: isoUs(timeUs) }
      return write(author, collection, rkey(), record, 'create', timeUs)
    }
    if (r < 0.95) return write(author, NSID.post, rkey(), { text: words(6 + Math.floor(rand() * 20)), langs: ['en'], createdAt: isoUs(timeUs) }, 'create', timeUs)
    if (r < 0.98) return del(author, NSID.post, rkey(), timeUs)
    // Names an id no config has: passes stage 1, is parsed, and is kept nowhere.
    return write(author, NSID.post, rkey(), { text: `unknown #atrarium_${(0xf0000000 + Math.floor(rand() * 1e6)).toString(16)}`, createdAt: isoUs(timeUs) }, 'create', timeUs)
  }

  function post(timeUs: number): RecordEvent | undefined {
    const two = created.length > 1 && rand() < 0.15
    const first = pick(created)
    const named = two ? [first, pick(created.filter((c) => c !== first))] : [first]
    // Owners and moderators post without a membership record; everyone else from the pool.
    const staff = !two && rand() < 0.3
    const author = staff ? (rand() < 0.5 ? first.owner : first.moderator) : pick(pool)
    const style = rand()
    const suffix = () => (rand() < 0.2 ? '!' : '')
    const text = style < 0.9 ? `${words(4 + Math.floor(rand() * 12))} ${named.map((c) => `${c.hashtag}${suffix()}`).join(' ')}` : words(5)
    const tags = style >= 0.6 ? named.map((c) => c.tag) : undefined
    const key = rkey()
    if (!staff) {
      const n = (postsBy.get(author) ?? 0) + 1
      postsBy.set(author, n)
      if (n >= POSTS_PER_USER) retire(author)
    }
    livePosts.push({ did: author, rkey: key, communities: named })
    if (livePosts.length > LIVE_POSTS_KEPT) takeAt(livePosts, Math.floor(rand() * livePosts.length))
    return write(author, NSID.post, key, { text, ...(tags ? { tags } : {}), langs: ['en'], createdAt: isoUs(timeUs) }, 'create', timeUs)
  }

  function join(timeUs: number): RecordEvent | undefined {
    for (let attempt = 0; attempt < 5; attempt++) {
      const user = pick(pool)
      const c = pick(created)
      if (memberships.has(`${user} ${c.uri}`)) continue
      const key = rkey()
      memberships.set(`${user} ${c.uri}`, key)
      leavable.push({ did: user, c, rkey: key })
      return write(user, NSID.membership, key, { community: c.uri, role: 'member', joinedAt: isoUs(timeUs), active: true }, 'create', timeUs)
    }
    return undefined
  }

  function leave(timeUs: number): RecordEvent | undefined {
    if (leavable.length === 0) return undefined
    const m = takeAt(leavable, Math.floor(rand() * leavable.length))
    memberships.delete(`${m.did} ${m.c.uri}`)
    return del(m.did, NSID.membership, m.rkey, timeUs)
  }

  function moderate(timeUs: number): RecordEvent | undefined {
    let c: SoakCommunity
    let action: string
    let target: string
    if (rand() < 0.6) {
      if (livePosts.length === 0) return undefined
      const p = pick(livePosts)
      c = pick(p.communities)
      action = rand() < 0.6 ? 'hide_post' : 'unhide_post'
      target = postUri(p.did, p.rkey)
    } else {
      // Pool users only: blocking an owner has no effect, and moderators are left alone too.
      c = pick(created)
      action = rand() < 0.6 ? 'block_user' : 'unblock_user'
      target = pick(pool)
    }
    const actor = rand() < 0.5 ? c.owner : c.moderator
    const key = rkey()
    liveActions.push({ did: actor, rkey: key })
    if (liveActions.length > LIVE_ACTIONS_KEPT) takeAt(liveActions, Math.floor(rand() * liveActions.length))
    return write(actor, NSID.action, key, { action, target, community: c.uri, ...(rand() < 0.5 ? { reason: 'soak' } : {}), createdAt: isoUs(timeUs) }, 'create', timeUs)
  }

  /** The next event, at `timeUs` (the caller's clock: the time the stream server sends it). */
  function next(timeUs: number): RecordEvent {
    events++
    const config = pendingConfigs.shift() ?? (lateNext < all.length && events >= lateAt[lateNext - (opts.communities ?? 4)]! ? all[lateNext++] : undefined)
    if (config) {
      created.push(config)
      return configOf(config, timeUs)
    }
    const r = rand()
    let e: RecordEvent | undefined
    if (r < 0.08) e = post(timeUs)
    else if (r < 0.095) {
      if (livePosts.length > 0) {
        const p = takeAt(livePosts, Math.floor(rand() * livePosts.length))
        e = del(p.did, NSID.post, p.rkey, timeUs)
      }
    } else if (r < 0.11) e = join(timeUs)
    else if (r < 0.115) e = leave(timeUs)
    else if (r < 0.125) e = moderate(timeUs)
    else if (r < 0.128 && liveActions.length > 0) {
      const a = takeAt(liveActions, Math.floor(rand() * liveActions.length))
      e = del(a.did, NSID.action, a.rkey, timeUs)
    }
    return e ?? noise(timeUs)
  }

  return { communities: created, next }
}
