import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { encode, toBytes } from '@atcute/cbor'
import { communityIdOf, configUriOf, hashtagOf } from '../../src/core/community-id.js'
import { NSID } from '../../src/core/nsid.js'
import { carOf, cidOf } from '../support/commit-frames.js'
import { readFrames } from '../support/firehose-frames.js'
import { concat, chance, int, pick, type Rand } from './mutate.js'

/** "Now" of every fuzz run, fixed so a seed replays the same run: an hour after the real capture. */
export const FUZZ_NOW_US = Date.parse('2026-07-04T15:38:00.000Z') * 1000

const FIXTURES = new URL('../fixtures/', import.meta.url)
// The shared test data sits beside the worktrees (issue 11); only its extra files are read from there.
const SHARED = new URL('../../../shared/testdata/', import.meta.url)

const lines = (url: URL): string[] =>
  existsSync(url) ? readFileSync(url, 'utf8').split('\n').filter(Boolean) : []

/** The real frames: Jetstream lines and relay frames, plus the indigo commit bodies when present. */
export function realSeeds(): { jetstream: string[]; firehose: Uint8Array[]; sources: string[] } {
  const sources: string[] = []
  const jetstream = new Set<string>()
  for (const url of [
    new URL('samples.jsonl', FIXTURES),
    new URL('firehose/expected_v1.jsonl', FIXTURES),
    new URL('jetstream/samples.jsonl', SHARED),
  ]) {
    const got = lines(url)
    if (got.length > 0) sources.push(url.pathname)
    for (const l of got) jetstream.add(l)
  }
  const firehose: Uint8Array[] = []
  const seen = new Set<string>()
  const add = (f: Uint8Array) => {
    const key = Buffer.from(f).toString('base64')
    if (!seen.has(key)) (seen.add(key), firehose.push(f))
  }
  const window = new URL('firehose/frames.bin', FIXTURES)
  if (existsSync(window)) (readFrames(window).forEach(add), sources.push(window.pathname))
  const slices = new URL('firehose/relay-window-2026-07-04/frames/', SHARED)
  if (existsSync(slices)) for (const f of readdirSync(slices)) add(readFileSync(new URL(f, slices)))
  const indigo = new URL('firehose/indigo/', SHARED)
  if (existsSync(indigo)) {
    sources.push(indigo.pathname)
    // atproto-JSON bodies: the encoder turns `{$bytes}` and `{$link}` into CBOR bytes and CIDs.
    for (const f of readdirSync(indigo).filter((n) => n.endsWith('.json'))) {
      add(frame({ op: 1, t: '#commit' }, JSON.parse(readFileSync(new URL(f, indigo), 'utf8'))))
    }
  }
  return { jetstream: [...jetstream], firehose, sources }
}

const frame = (header: object, body: object): Uint8Array => concat(encode(header), encode(body))

const did = (kind: string, n: number) =>
  `did:plc:fuzz${kind}${n.toString(36).padStart(20 - kind.length, 'a')}`
const tidChars = '234567abcdefghijklmnopqrstuvwxyz'
const rkeyOf = (rand: Rand) =>
  `3l${Array.from({ length: 11 }, () => pick(rand, tidChars.split(''))).join('')}`
// Jetstream's cid is passed through, never checked: one real one will do, and hashes cost time.
const JETSTREAM_CID = 'bafyreiguce4jh7kcbmof3pmcvasifqtw24b6isakj5ve5ga2b4z4alpc4i'
const isoUs = (us: number) => new Date(Math.floor(us / 1000)).toISOString()

interface Write {
  did: string
  collection: string
  rkey: string
  op: 'create' | 'update' | 'delete'
  record?: Record<string, unknown>
}

/**
 * Valid frames that matter to Atrarium, on both wire formats: configs (with moderators, a parent
 * and a feed mix), memberships, moderation actions, posts naming the community hashtags, updates,
 * deletes, and account and identity events. Every frame comes from `rand`, so a seed replays them.
 */
export function atrariumFrames(rand: Rand) {
  const owners = [0, 1, 2, 3].map((i) => did('owner', i))
  const moderator = did('mod', 0)
  const members = Array.from({ length: 12 }, (_, i) => did('member', i))
  const outsider = did('out', 0)
  const communities = owners.map((owner, i) => {
    const rkey = `3kfuzzcomm${i}`
    const uri = configUriOf(owner, rkey)
    const id = communityIdOf(uri)
    return { owner, rkey, uri, id, hashtag: hashtagOf(id) }
  })
  const posts: { did: string; rkey: string }[] = []
  // Moderation targets come from a fixed pool: a config change re-judges every target of its
  // community, so unbounded targets would make the run quadratic rather than find more.
  const targets: string[] = []
  let timeUs = FUZZ_NOW_US - 3_600_000_000
  let seq = 40_000_000_000

  /** Strings a mutation splices in, so mutants keep naming the communities and their people. */
  const known = [
    ...communities.flatMap((c) => [
      c.hashtag,
      c.uri,
      c.id,
      c.owner,
      `＃atrarium_${c.id}`,
      c.hashtag.toUpperCase(),
    ]),
    moderator,
    outsider,
    ...members.slice(0, 3),
  ]

  const configRecord = (i: number): Record<string, unknown> => {
    const c = communities[i]!
    return {
      $type: NSID.config,
      name: `Fuzz community ${i}`,
      hashtag: c.hashtag,
      stage: pick(rand, ['theme', 'community', 'graduated']),
      moderators: i === 0 ? [moderator] : [],
      createdAt: isoUs(timeUs - 86_400_000_000),
      ...(i > 0
        ? {
            parentCommunity: communities[0]!.uri,
            feedMix: pick(rand, [
              { own: 50, parent: 30, global: 20 },
              { own: 100, parent: 0, global: 0 },
              { own: 0, parent: 0, global: 100 },
            ]),
          }
        : {}),
    }
  }
  const postRecord = (): Record<string, unknown> => {
    const c = pick(rand, communities)
    const r = int(rand, 4)
    // An invalid or missing createdAt is valid input: the post then sorts by the event time (SPEC §4).
    const createdAt = chance(rand, 0.9)
      ? isoUs(timeUs - int(rand, 5_000_000))
      : pick(rand, [undefined, 'yesterday', '2026-07-04T25:00:00Z', 0])
    const base = { $type: NSID.post, langs: ['en'], ...(createdAt === undefined ? {} : { createdAt }) }
    if (r === 0) return { ...base, text: `fuzzing ${c.hashtag} today` }
    if (r === 1) return { ...base, text: 'tagged only', tags: [c.hashtag.slice(1)] }
    if (r === 2) {
      const text = `héllo ${c.hashtag} and ${pick(rand, communities).hashtag}`
      const start = Buffer.byteLength(text.slice(0, text.indexOf('#')))
      return {
        ...base,
        text,
        facets: [
          {
            index: { byteStart: start, byteEnd: start + c.hashtag.length },
            features: [{ $type: 'app.bsky.richtext.facet#tag', tag: c.hashtag.slice(1) }],
          },
        ],
      }
    }
    return { ...base, text: `fullwidth ＃atrarium_${c.id}` }
  }

  /** The writes that make the communities exist: played first, unmutated. */
  const setupWrites = (): Write[] => [
    ...communities.map((c, i): Write => ({
      did: c.owner,
      collection: NSID.config,
      rkey: c.rkey,
      op: 'create',
      record: configRecord(i),
    })),
    ...communities.flatMap((c) =>
      members.map((m): Write => ({
        did: m,
        collection: NSID.membership,
        rkey: `m${c.id}`,
        op: 'create',
        record: {
          $type: NSID.membership,
          community: c.uri,
          role: 'member',
          joinedAt: isoUs(timeUs),
          active: true,
        },
      })),
    ),
  ]

  function nextWrite(): Write {
    const r = rand()
    if (r < 0.45 || posts.length === 0) {
      const post = { did: chance(rand, 0.9) ? pick(rand, members) : outsider, rkey: rkeyOf(rand) }
      posts.push(post)
      if (targets.length < 200) targets.push(`at://${post.did}/${NSID.post}/${post.rkey}`)
      if (posts.length > 500) posts.splice(0, 250)
      return { ...post, collection: NSID.post, op: 'create', record: postRecord() }
    }
    if (r < 0.55)
      return {
        ...pick(rand, posts),
        collection: NSID.post,
        op: chance(rand, 0.5) ? 'delete' : 'update',
        record: postRecord(),
      }
    if (r < 0.75) {
      const c = pick(rand, communities)
      const target = chance(rand, 0.5) ? pick(rand, members) : pick(rand, targets)
      const action = target.startsWith('did:')
        ? pick(rand, ['block_user', 'unblock_user'])
        : pick(rand, ['hide_post', 'unhide_post'])
      const actor = pick(rand, [c.owner, moderator, outsider])
      return {
        did: actor,
        collection: NSID.action,
        rkey: rkeyOf(rand),
        op: chance(rand, 0.9) ? 'create' : 'delete',
        record: {
          $type: NSID.action,
          action,
          target,
          community: c.uri,
          reason: 'fuzz',
          createdAt: isoUs(timeUs),
        },
      }
    }
    if (r < 0.98) {
      const c = pick(rand, communities)
      const m = pick(rand, members)
      return {
        did: m,
        collection: NSID.membership,
        rkey: `m${c.id}`,
        op: chance(rand, 0.9) ? 'update' : 'delete',
        record: {
          $type: NSID.membership,
          community: c.uri,
          role: 'member',
          joinedAt: isoUs(timeUs),
          active: chance(rand, 0.8),
        },
      }
    }
    const i = int(rand, communities.length)
    const c = communities[i]!
    // Rare, as on the network: each re-judges every moderation target of its community. Deleting a
    // config drops a community's posts; it comes back with the next update.
    return {
      did: c.owner,
      collection: NSID.config,
      rkey: c.rkey,
      op: chance(rand, 0.9) ? 'update' : 'delete',
      record: configRecord(i),
    }
  }

  const jetstreamOf = (w: Write): string => {
    timeUs += 1000 + int(rand, 1000)
    const commit: Record<string, unknown> = {
      rev: `3m${timeUs.toString(36)}`,
      operation: w.op,
      collection: w.collection,
      rkey: w.rkey,
    }
    if (w.op !== 'delete') Object.assign(commit, { record: w.record, cid: JETSTREAM_CID })
    return JSON.stringify({ did: w.did, time_us: timeUs, kind: 'commit', commit })
  }

  /** A canonical `#commit` frame; several writes of one repo share a commit, as on the relay. */
  const firehoseOf = (ws: Write[]): Uint8Array => {
    timeUs += 1000 + int(rand, 1000)
    const blocks: { cid: ReturnType<typeof cidOf>; data: Uint8Array }[] = []
    const ops = ws.map((w) => {
      if (w.op === 'delete') return { action: 'delete', path: `${w.collection}/${w.rkey}`, cid: null }
      const data = encode(w.record!)
      const cid = cidOf(data)
      blocks.push({ cid, data })
      return { action: w.op, path: `${w.collection}/${w.rkey}`, cid: cid.link }
    })
    const commitBlock = encode({
      did: ws[0]!.did,
      rev: `3m${timeUs.toString(36)}`,
      version: 3,
      data: blocks[0]?.cid.link ?? null,
    })
    const commit = cidOf(commitBlock)
    const car = carOf(commit, [{ cid: commit, data: commitBlock }, ...blocks])
    return frame(
      { op: 1, t: '#commit' },
      {
        seq: ++seq,
        repo: ws[0]!.did,
        rev: `3m${timeUs.toString(36)}`,
        since: null,
        time: isoUs(timeUs),
        ops,
        blocks: toBytes(car),
        commit: commit.link,
        rebase: false,
        tooBig: false,
        blobs: [],
        prevData: commit.link,
      },
    )
  }

  /** Account and identity events, on both formats: dropped today, covered once they are indexed. */
  const accountJetstream = (): string => {
    timeUs += 1000
    const d = pick(rand, [...members, outsider, ...owners])
    if (chance(rand, 0.5))
      return JSON.stringify({
        did: d,
        time_us: timeUs,
        kind: 'identity',
        identity: { did: d, handle: 'fuzz.test', seq: ++seq, time: isoUs(timeUs) },
      })
    const active = chance(rand, 0.5)
    return JSON.stringify({
      did: d,
      time_us: timeUs,
      kind: 'account',
      account: {
        active,
        did: d,
        seq: ++seq,
        time: isoUs(timeUs),
        ...(active ? {} : { status: pick(rand, ['takendown', 'suspended', 'deleted', 'deactivated']) }),
      },
    })
  }
  const accountFirehose = (): Uint8Array => {
    timeUs += 1000
    const d = pick(rand, [...members, outsider, ...owners])
    const r = int(rand, 5)
    if (r === 0)
      return frame(
        { op: 1, t: '#identity' },
        { did: d, seq: ++seq, time: isoUs(timeUs), handle: 'fuzz.test' },
      )
    if (r === 1)
      return frame(
        { op: 1, t: '#sync' },
        { did: d, seq: ++seq, time: isoUs(timeUs), rev: '3mfuzz', blocks: toBytes(new Uint8Array()) },
      )
    if (r === 2) return frame({ op: 1, t: '#info' }, { name: 'OutdatedCursor', message: 'fuzz' })
    const active = chance(rand, 0.5)
    return frame(
      { op: 1, t: '#account' },
      {
        did: d,
        seq: ++seq,
        time: isoUs(timeUs),
        active,
        ...(active ? {} : { status: pick(rand, ['takendown', 'suspended', 'deleted', 'deactivated']) }),
      },
    )
  }

  return {
    communities,
    members,
    known,
    setupJetstream: () => setupWrites().map(jetstreamOf),
    setupFirehose: () => setupWrites().map((w) => firehoseOf([w])),
    /** A fresh valid Jetstream frame. */
    nextJetstream: (): string => (chance(rand, 0.05) ? accountJetstream() : jetstreamOf(nextWrite())),
    /** A fresh valid firehose frame, sometimes a multi-op commit of one repo. */
    nextFirehose: (): Uint8Array => {
      if (chance(rand, 0.05)) return accountFirehose()
      const w = nextWrite()
      const more =
        w.collection === NSID.post && w.op === 'create' && chance(rand, 0.2)
          ? [{ ...w, rkey: rkeyOf(rand) }]
          : []
      return firehoseOf([w, ...more])
    },
  }
}

