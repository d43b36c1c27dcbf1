import type { RepoEvent } from '../../src/core/events.js'
import { NSID } from '../../src/core/nsid.js'
import { actionEvent, community, configEvent, del, isoUs, membershipEvent, postEvent, postUri, tick, toJetstream } from './events.js'

/**
 * The scripted scenario both hosts play (SPEC §1–6), with malformed frames mixed in, and the
 * skeletons it must yield. Each host's end-to-end test feeds `frames` through its own pipeline
 * and compares with the same `expected`, so the two hosts give identical answers.
 */
export const alice = 'did:plc:alice'
export const bob = 'did:plc:bob'
export const carol = 'did:plc:carol'
export const dave = 'did:plc:dave'
export const mallory = 'did:plc:mallory'
export const A = community(alice, '3jzfcijpj2z2a')

export const MALFORMED_FRAMES = 3

export function scenario() {
  const script: (RepoEvent | string)[] = [
    membershipEvent(bob, 'm1', A), // before its config: kept, applies later (SPEC §6)
    configEvent(A, { moderators: [dave] }),
    'this is not json #atrarium_',
    membershipEvent(mallory, 'm2', A, { role: 'moderator' }),
    JSON.stringify({ did: bob, time_us: 'soon', kind: 'commit', commit: { collection: NSID.post } }) + ' atrarium_',
    postEvent(bob, 'p1', `hello ${A.hashtag}!`),
    postEvent(carol, 'p2', `not a member ${A.hashtag}`),
    postEvent(bob, 'p3', 'tag only in tags', { tags: [A.tag] }),
    postEvent(bob, 'p4', `runs on ${A.hashtag}x`),
    postEvent(bob, 'p-hidden', `to hide ${A.hashtag}`),
    actionEvent(dave, 'a1', A, 'hide_post', postUri(bob, 'p-hidden'), isoUs(tick())),
    actionEvent(mallory, 'a2', A, 'hide_post', postUri(bob, 'p1'), isoUs(tick())),
    `{"did":"${bob}","time_us":1,"kind":"commit","commit":"net.atrarium.garbage"}`,
    postEvent(bob, 'p5', `edit me ${A.hashtag}`),
    postEvent(bob, 'p5', 'edited: tag removed', {}, 'update'),
    postEvent(mallory, 'p6', `mallory posts ${A.hashtag}`),
    actionEvent(dave, 'a3', A, 'block_user', mallory, '2026-11-01T00:00:00.000Z'),
    postEvent(bob, 'p7', `to delete ${A.hashtag}`),
    del(bob, NSID.post, 'p7'),
    postEvent(bob, 'p8', `future ${A.hashtag}`, { createdAt: '2099-01-01T00:00:00.000Z' }),
    postEvent(bob, 'p9', `last ${A.hashtag}`),
  ]
  // Unblock mallory and withdraw the hide: both come back at once, from the index.
  const tail: RepoEvent[] = [actionEvent(dave, 'a4', A, 'unblock_user', mallory, '2026-11-01T00:00:01.000Z'), del(dave, NSID.action, 'a1')]
  const frame = (item: RepoEvent | string) => (typeof item === 'string' ? item : JSON.stringify(toJetstream(item)))
  return {
    frames: script.map(frame),
    lastTimeUs: (script[script.length - 1] as RepoEvent).timeUs,
    tailFrames: tail.map(frame),
    tailTimeUs: tail[tail.length - 1]!.timeUs,
  }
}

export const expected = {
  feed: [postUri(bob, 'p9'), postUri(bob, 'p8'), postUri(bob, 'p3'), postUri(bob, 'p1')],
  feedAfterTail: [postUri(bob, 'p9'), postUri(bob, 'p8'), postUri(mallory, 'p6'), postUri(bob, 'p-hidden'), postUri(bob, 'p3'), postUri(bob, 'p1')],
  describe: { did: 'did:web:feeds.example.com', feeds: [{ uri: `at://${alice}/${NSID.feedGenerator}/${A.id}` }] },
}

export const feedPath = (id: string, extra = '') =>
  `/xrpc/${NSID.getFeedSkeleton}?feed=${encodeURIComponent(`at://did:plc:publisher/${NSID.feedGenerator}/${id}`)}${extra}`

/** Every page of a feed, two posts at a time unless told, through any `fetch`. */
export async function readFeed(
  get: (path: string) => Promise<{ status: number; body: any }>,
  id: string,
  opts: { limit?: number; maxPages?: number } = {},
): Promise<string[]> {
  const out: string[] = []
  let cursor = ''
  for (let i = 0; i < (opts.maxPages ?? 100); i++) {
    const r = await get(feedPath(id, `&limit=${opts.limit ?? 2}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`))
    if (r.status !== 200) throw new Error(`feed page ${i}: ${r.status} ${JSON.stringify(r.body)}`)
    out.push(...r.body.feed.map((f: { post: string }) => f.post))
    if (!r.body.cursor) return out
    cursor = r.body.cursor
  }
  throw new Error('feed did not end')
}
