import { createMessageBatch, env } from 'cloudflare:test'
import { expect, it } from 'vitest'
import { encodeFeedCursor } from '../../src/core/feed-cursor.js'
import { MAX_ROWS_PER_ENTRY } from '../../src/core/feed-mix.js'
import worker from '../../src/workers/index.js'
import { community, configEvent, membershipEvent, postEvent, postUri, toJetstream } from '../support/events.js'
import { feedPath } from '../support/scenario.js'

const owner = 'did:plc:bound-owner'
const member = 'did:plc:bound-member'
const P = community(owner, '3kboundparent')
const C = community(owner, '3kboundchild2')
const LIMIT = 2
const POSTS = 3 * MAX_ROWS_PER_ENTRY * LIMIT

const get = async (path: string) => {
  const res = await worker.fetch(new Request(`https://feeds.example.com${path}`), env)
  return { status: res.status, body: (await res.json()) as any }
}

it('a crafted cursor that makes every parent post a repeat gets short pages with cursors, not an error', async () => {
  const events = [
    configEvent(P),
    configEvent(C, { parentCommunity: P.uri, feedMix: { own: 50, parent: 50, global: 0 } }),
    membershipEvent(member, 'bm1', P),
    membershipEvent(member, 'bm2', C),
    // Cross-posted: the child's own source holds every post its parent source gives.
    ...Array.from({ length: POSTS }, (_, i) => postEvent(member, `x${String(i).padStart(3, '0')}`, `${C.hashtag} ${P.hashtag} ${i}`)),
  ]
  const frames = events.map((e, i) => ({ id: `bw${i}`, timestamp: new Date(), attempts: 1, body: JSON.stringify(toJetstream(e)) }))
  await worker.queue(createMessageBatch<string>('atrarium-firehose', frames) as MessageBatch<unknown>, env)

  // The own source already stands below every post: each parent post comes up as a repeat.
  const bottom = { sortUs: 1, uri: postUri(member, 'x000') }
  let cursor: string | undefined = encodeFeedCursor({ k: 0, taken: { own: 0, parent: 0, global: 0 }, pos: { own: bottom } })
  const pages: number[] = []
  for (let i = 0; cursor !== undefined && i < 10; i++) {
    const r = await get(feedPath(C.id, `&limit=${LIMIT}&cursor=${cursor}`))
    expect(r.status).toBe(200)
    pages.push(r.body.feed.length)
    cursor = r.body.cursor
  }
  // Each page stops at the bound (MAX_ROWS_PER_ENTRY × limit repeats) and goes on from there.
  expect(pages).toEqual([0, 0, 0])
  expect(cursor).toBeUndefined()
})
