import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test'
import { P256PrivateKeyExportable } from '@atcute/crypto'
import { createServiceJwt } from '@atcute/xrpc-server/auth'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import worker from '../../src/workers/index.js'
import { NSID } from '../../src/core/nsid.js'
import { toJetstream } from '../support/events.js'
import { bob, G, K, mod, other, owner, queryPath, R, readAll, readScenario, type Get } from '../support/read-scenario.js'

const testEnv = { ...env, ATRARIUM_HOSTNAME: 'feeds.example.com' }
const SERVICE = 'did:web:feeds.example.com'
const s = readScenario()

const get: Get = async (path, authorization) => {
  const res = await worker.fetch(new Request(`https://feeds.example.com${path}`, authorization === undefined ? {} : { headers: { authorization } }), testEnv)
  return { status: res.status, body: await res.json() }
}

async function token(iss: string, lxm: string = NSID.getPosts): Promise<string> {
  const hex = inject('plcKeys')[iss]!
  const keypair = await P256PrivateKeyExportable.importRaw(Uint8Array.from(hex.match(/../g)!, (b) => parseInt(b, 16)))
  const jwt = await createServiceJwt({ keypair, issuer: iss as `did:${string}:${string}`, audience: SERVICE, lxm: lxm as `${string}.${string}.${string}`, issuedAt: Math.floor(Date.now() / 1000) })
  return `Bearer ${jwt}`
}

beforeAll(async () => {
  const frames = s.events.map((e) => JSON.stringify(toJetstream(e)))
  const batch = createMessageBatch<string>('atrarium-firehose', frames.map((body, i) => ({ id: `r${i}`, timestamp: new Date(), attempts: 1, body })))
  const ctx = createExecutionContext()
  await worker.queue(batch as MessageBatch<unknown>, testEnv)
  const result = await getQueueResult(batch, ctx)
  if (result.retryMessages.length > 0) throw new Error('read scenario did not apply')
})

describe('read API on the Workers host answers as the Node host does', () => {
  it('getCommunity, by id and by URI, and the tree edge cases', async () => {
    for (const community of [R.id, R.uri]) expect(await get(queryPath(NSID.getCommunity, { community }))).toEqual({ status: 200, body: s.expected.community })
    for (const [c, tree] of s.expected.tree) {
      const { body } = await get(queryPath(NSID.getCommunity, { community: c.uri }))
      expect({ id: c.id, parent: body.parent, children: body.children }).toEqual({ id: c.id, parent: undefined, ...tree })
    }
  })

  it.each<[string, string, string, Record<string, string>, unknown[]]>([
    ['listCommunities of one owner', NSID.listCommunities, 'communities', { owner }, s.expected.communitiesOf[owner]!],
    ['listCommunities of another', NSID.listCommunities, 'communities', { owner: other }, s.expected.communitiesOf[other]!],
    ['listCommunities by name', NSID.listCommunities, 'communities', { q: 'CYCLE' }, s.expected.communitiesOf[other]!.filter((c) => /cycle/i.test(c.name))],
    ['getMembers', NSID.getMembers, 'members', { community: R.id }, s.expected.members],
    ['getActions', NSID.getActions, 'actions', { community: R.uri }, s.expected.actions],
  ])('%s, at every page size', async (_name, nsid, key, params, want) => {
    for (const limit of [1, 2, 100]) expect(await readAll(get, nsid, key, params, limit)).toEqual(want)
  })

  it('getPosts: 200 for the owner and a moderator, 403 for a member, 401 without a token or with a bad one', async () => {
    for (const viewer of [owner, mod]) expect(await readAll(get, NSID.getPosts, 'posts', { community: R.id }, 2, await token(viewer))).toEqual(s.expected.posts)
    const path = queryPath(NSID.getPosts, { community: R.id })
    expect(await get(path, await token(bob))).toMatchObject({ status: 403, body: { error: 'Forbidden' } })
    expect(await get(queryPath(NSID.getPosts, { community: K.id }), await token(owner))).toMatchObject({ status: 403, body: { error: 'Forbidden' } })
    expect(await get(path)).toMatchObject({ status: 401, body: { error: 'AuthenticationRequired' } })
    expect(await get(path, 'Bearer garbage')).toMatchObject({ status: 401, body: { error: 'BadJwt' } })
  })

  it.each([
    [NSID.getCommunity, { community: 'ffffffff' }, 'UnknownCommunity'],
    [NSID.getMembers, { community: G.uri }, 'UnknownCommunity'],
    [NSID.getActions, { community: 'nope' }, 'InvalidRequest'],
    [NSID.getMembers, { community: R.id, cursor: 'garbage!' }, 'InvalidRequest'],
    [NSID.getActions, { community: R.id, limit: '101' }, 'InvalidRequest'],
    [NSID.listCommunities, { owner: 'not-a-did' }, 'InvalidRequest'],
    [NSID.listCommunities, { cursor: 'x' }, 'InvalidRequest'],
    [NSID.listCommunities, { q: 'x'.repeat(101) }, 'InvalidRequest'],
  ])('%s %o → 400 %s', async (nsid, params, error) => {
    expect(await get(queryPath(nsid, params))).toMatchObject({ status: 400, body: { error } })
  })
})

// SPEC §12 on the Workers host: the community object keeps the viewer's request and personalizes their pages.
describe('show less on the Workers host', () => {
  it('a signed-in viewer who asks to see less of an author no longer gets their posts; others do', async () => {
    const feedPath = queryPath(NSID.getFeedSkeleton, { feed: `at://${R.owner}/${NSID.feedGenerator}/${R.id}`, limit: '100' })
    const anon = (await get(feedPath)).body.feed as { post: string }[]
    const authorOf = (uri: string) => uri.split('/')[2]!
    const target = anon.find((i) => authorOf(i.post) !== mod)!
    const res = await worker.fetch(new Request(`https://feeds.example.com/xrpc/${NSID.sendInteractions}`, {
      method: 'POST', headers: { authorization: await token(mod, NSID.sendInteractions), 'content-type': 'application/json' },
      body: JSON.stringify({ interactions: [{ item: target.post, event: 'app.bsky.feed.defs#requestLess', feedContext: R.id }] }),
    }), testEnv)
    expect(res.status).toBe(200)
    const mine = (await get(feedPath, await token(mod, NSID.getFeedSkeleton))).body.feed as { post: string; feedContext?: string }[]
    expect(mine).toEqual(anon.filter((i) => authorOf(i.post) !== authorOf(target.post)).map((i) => ({ ...i, feedContext: R.id })))
    expect(mine.length).toBeLessThan(anon.length)
    expect((await get(feedPath)).body.feed).toEqual(anon)
  })
})
