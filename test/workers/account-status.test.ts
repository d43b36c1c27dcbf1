import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test'
import { expect, it } from 'vitest'
import type { RepoEvent } from '../../src/core/events.js'
import { NSID } from '../../src/core/nsid.js'
import worker from '../../src/workers/index.js'
import { directoryShardOf, directoryStub } from '../../src/workers/routing.js'
import { accountEvent, community, configEvent, membershipEvent, postEvent, postUri, toJetstream } from '../support/events.js'
import { queryPath } from '../support/read-scenario.js'
import { feedPath } from '../support/scenario.js'

const ownerA = 'did:plc:acct-owner-a'
const ownerB = 'did:plc:acct-owner-b'
const dave = 'did:plc:acct-dave'
const A = community(ownerA, '3kacctaaaaaa2')
const B = community(ownerB, '3kacctbbbbbb2')
// Shows every other community's posts: the global recent-posts index must follow account status too.
const G = community(ownerA, '3kacctgggggg2')
let seq = 0

async function deliver(events: RepoEvent[]) {
  const batch = createMessageBatch<string>('atrarium-firehose', events.map((e) => ({ id: `a${seq++}`, timestamp: new Date(), attempts: 1, body: JSON.stringify(toJetstream(e)) })))
  const ctx = createExecutionContext()
  await worker.queue(batch as MessageBatch<unknown>, env)
  expect((await getQueueResult(batch, ctx)).retryMessages).toEqual([])
}

const get = async (path: string) => {
  const res = await worker.fetch(new Request(`https://feeds.example.com${path}`), env)
  return { status: res.status, body: (await res.json()) as any }
}
const feed = async (id: string) => (await get(feedPath(id, '&limit=50'))).body.feed?.map((f: { post: string }) => f.post)

it('account status on the Workers host: takendown hides an author everywhere, active restores, deleted removes', async () => {
  await deliver([
    configEvent(A),
    configEvent(B),
    configEvent(G, { feedMix: { own: 0, parent: 0, global: 100 } }),
    membershipEvent(dave, 'dm1', A),
    membershipEvent(dave, 'dm2', B),
    postEvent(dave, 'd1', `in both ${A.hashtag} ${B.hashtag}`),
    postEvent(dave, 'd2', `only ${B.hashtag}`),
    postEvent(ownerA, 'o1', `owner ${A.hashtag}`),
  ])
  const [d1, d2, o1] = [postUri(dave, 'd1'), postUri(dave, 'd2'), postUri(ownerA, 'o1')]
  expect([await feed(A.id), await feed(B.id), await feed(G.id)]).toEqual([[o1, d1], [d2, d1], [o1, d2, d1]])

  await deliver([accountEvent(dave, 'takendown')])
  expect([await feed(A.id), await feed(B.id), await feed(G.id)]).toEqual([[o1], [], [o1]])

  await deliver([accountEvent(dave, undefined)])
  expect([await feed(A.id), await feed(B.id), await feed(G.id)]).toEqual([[o1, d1], [d2, d1], [o1, d2, d1]])

  // Deleted: the member's posts and memberships go, and so does the community of a deleted owner.
  await deliver([accountEvent(dave, 'deleted'), accountEvent(ownerB, 'deleted')])
  expect([await feed(A.id), await feed(G.id)]).toEqual([[o1], [o1]])
  const members = await get(queryPath(NSID.getMembers, { community: A.uri }))
  expect(members.body.members.map((m: { did: string }) => m.did)).toEqual([ownerA])
  expect(await get(queryPath(NSID.getCommunity, { community: B.uri }))).toMatchObject({ status: 400, body: { error: 'UnknownCommunity' } })
  expect((await get(feedPath(B.id))).body.error).toBe('UnknownFeed')
  const listed = (await get(queryPath(NSID.listCommunities, { owner: ownerB }))).body.communities
  expect(listed).toEqual([])
  // The directory shard has nothing left to route for the deleted account.
  expect(await directoryStub(env, directoryShardOf(dave)).repoCommunities(dave)).toEqual([])
})
