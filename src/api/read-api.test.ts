import { createServiceJwt } from '@atcute/xrpc-server/auth'
import type { PrivateKeyExportable } from '@atcute/crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from './app.js'
import { ServiceAuthVerifier } from '../auth/service-auth-verifier.js'
import { lexicons } from '../core/lexicon-docs.js'
import { silentLogger } from '../core/logger.js'
import { NSID } from '../core/nsid.js'
import { localReads } from '../node/local-reads.js'
import { configEvent, del } from '../../test/support/events.js'
import { createKey, didDocument, FakePlc } from '../../test/support/fake-plc.js'
import { indexHarness } from '../../test/support/index-harness.js'
import { bob, C1, C2, G, K, mod, other, owner, P, queryPath, R, readAll, readScenario, type Get } from '../../test/support/read-scenario.js'

const SERVICE = 'did:web:feeds.example.com'
let plc: FakePlc
const keys: Record<string, PrivateKeyExportable> = {}
beforeAll(async () => {
  plc = await FakePlc.start()
  for (const did of [owner, mod, bob]) {
    keys[did] = await createKey('k256')
    plc.docs.set(did, await didDocument(did, { atproto: keys[did]! }))
  }
})
afterAll(() => plc.close())

let h: ReturnType<typeof indexHarness>
afterEach(() => h?.close())

function setup() {
  h = indexHarness()
  const s = readScenario()
  h.apply(...s.events)
  const app = createApp({
    feeds: h.feeds, reads: localReads(h.store, () => h.indexer.minSortUs()), hostname: 'feeds.example.com', log: silentLogger,
    auth: new ServiceAuthVerifier({ serviceDid: SERVICE, plcUrl: plc.url }),
  })
  const get: Get = async (path, authorization) => {
    const res = await app.request(path, authorization === undefined ? {} : { headers: { authorization } })
    return { status: res.status, body: await res.json() }
  }
  return { ...s, get }
}

const token = async (iss: string, lxm: string = NSID.getPosts) =>
  `Bearer ${await createServiceJwt({ keypair: keys[iss]!, issuer: iss as `did:${string}:${string}`, audience: SERVICE, lxm: lxm as `${string}.${string}.${string}`, issuedAt: Math.floor(Date.now() / 1000) })}`

describe('read API on the Node host', () => {
  it('getCommunity: config, roles, parent, resolving children and counts, by id or by URI; valid per its lexicon', async () => {
    const { get, expected } = setup()
    for (const community of [R.id, R.uri]) {
      const r = await get(queryPath(NSID.getCommunity, { community }))
      expect(r).toEqual({ status: 200, body: expected.community })
      expect(() => lexicons.assertValidXrpcOutput(NSID.getCommunity, r.body)).not.toThrow()
    }
  })

  it('getCommunity: the tree edge cases (unknown parent, cycle A→B→A, deleted parent; children listed)', async () => {
    const { get, expected } = setup()
    for (const [c, tree] of expected.tree) {
      const { body } = await get(queryPath(NSID.getCommunity, { community: c.uri }))
      expect({ id: c.id, parent: body.parent, children: body.children }).toEqual({ id: c.id, parent: undefined, ...tree })
    }
  })

  it('a parent deleted later drops out of its children, and a child appears once its parent resolves', async () => {
    const { get } = setup()
    h.apply(del(owner, NSID.config, P.rkey))
    expect((await get(queryPath(NSID.getCommunity, { community: R.id }))).body).not.toHaveProperty('parent')
    h.apply(configEvent(C1, {}, 'update'))
    const c1 = (await get(queryPath(NSID.getCommunity, { community: C1.id }))).body
    expect(c1.children.map((c: { uri: string }) => c.uri)).toEqual([C2.uri])
  })

  it.each<[string, string, string, Record<string, string>]>([
    ['listCommunities', NSID.listCommunities, 'communities', {}],
    ['listCommunities by owner', NSID.listCommunities, 'communities', { owner: other }],
    ['listCommunities by name', NSID.listCommunities, 'communities', { q: 'CYCLE' }],
    ['getMembers', NSID.getMembers, 'members', { community: R.id }],
    ['getActions', NSID.getActions, 'actions', { community: R.uri }],
  ])('%s pages cover everything exactly once, at every page size', async (_name, nsid, key, params) => {
    const { get, expected } = setup()
    const all = await readAll(get, nsid, key, params, 100)
    const want = key === 'communities'
      ? params.q ? expected.communitiesOf[other]!.filter((c) => /cycle/i.test(c.name)) : params.owner ? expected.communitiesOf[other] : [...expected.communitiesOf[owner]!, ...expected.communitiesOf[other]!].sort((a, b) => (a.id < b.id ? -1 : 1))
      : expected[key as 'members' | 'actions']
    expect(all).toEqual(want)
    for (const limit of [1, 2, 3]) expect(await readAll(get, nsid, key, params, limit)).toEqual(want)
    const first = await get(queryPath(nsid, { ...params, limit: '2' }))
    expect(() => lexicons.assertValidXrpcOutput(nsid, first.body)).not.toThrow()
  })

  it('getPosts: 200 with every post and its status for the owner and a moderator, paged', async () => {
    const { get, expected } = setup()
    for (const viewer of [owner, mod]) {
      const auth = await token(viewer)
      for (const limit of [1, 2, 100]) expect(await readAll(get, NSID.getPosts, 'posts', { community: R.id }, limit, auth)).toEqual(expected.posts)
    }
    const page = await get(queryPath(NSID.getPosts, { community: R.id }), await token(owner))
    expect(() => lexicons.assertValidXrpcOutput(NSID.getPosts, page.body)).not.toThrow()
  })

  it.each<[string, () => Promise<string | undefined>, number, string]>([
    ['no token', async () => undefined, 401, 'AuthenticationRequired'],
    ['a member who is not a moderator', () => token(bob), 403, 'Forbidden'],
    ['a token for another method', () => token(owner, NSID.getFeedSkeleton), 401, 'BadJwtLexiconMethod'],
    ['a forged token', async () => (await token(owner)).slice(0, -4) + 'AAAA', 401, 'BadJwtSignature'],
    ['garbage', async () => 'Bearer garbage', 401, 'BadJwt'],
  ])('getPosts: %s → %i %s', async (_name, auth, status, error) => {
    const { get } = setup()
    const r = await get(queryPath(NSID.getPosts, { community: R.id }), await auth())
    expect(r.status).toBe(status)
    expect(r.body).toMatchObject({ error })
  })

  it('getPosts: the owner of one community is forbidden in another', async () => {
    const { get } = setup()
    expect(await get(queryPath(NSID.getPosts, { community: K.id }), await token(owner))).toMatchObject({ status: 403, body: { error: 'Forbidden' } })
  })

  const unknown = 'ffffffff'
  type BadCase = readonly [string, string, Record<string, string>, string]
  it.each<BadCase>([
    ...[NSID.getCommunity, NSID.getMembers, NSID.getActions].flatMap((nsid) => [
      [nsid, 'no community', {}, 'InvalidRequest'],
      [nsid, 'a community that is neither id nor config URI', { community: 'at://did:plc:x/app.bsky.feed.post/1' }, 'InvalidRequest'],
      [nsid, 'an uppercase id', { community: R.id.toUpperCase() }, 'InvalidRequest'],
      [nsid, 'an unknown id', { community: unknown }, 'UnknownCommunity'],
      [nsid, 'a deleted community', { community: G.uri }, 'UnknownCommunity'],
    ] satisfies BadCase[]),
    ...[NSID.getMembers, NSID.getActions, NSID.listCommunities].flatMap((nsid) => [
      [nsid, 'limit 0', { community: R.id, limit: '0' }, 'InvalidRequest'],
      [nsid, 'limit 101', { community: R.id, limit: '101' }, 'InvalidRequest'],
      [nsid, 'limit not a number', { community: R.id, limit: 'all' }, 'InvalidRequest'],
      [nsid, 'a garbage cursor', { community: R.id, cursor: 'garbage!' }, 'InvalidRequest'],
      [nsid, 'an empty cursor', { community: R.id, cursor: '' }, 'InvalidRequest'],
      [nsid, 'a feed cursor', { community: R.id, cursor: 'eyJ2IjoyLCJrIjowLCJ0IjpbMCwwLDBdLCJwIjp7fX0' }, 'InvalidRequest'],
    ] satisfies BadCase[]),
    [NSID.listCommunities, 'an owner that is not a DID', { owner: 'alice.example.com' }, 'InvalidRequest'],
    [NSID.listCommunities, 'an empty name search', { q: '' }, 'InvalidRequest'],
    [NSID.listCommunities, 'a name search longer than any name', { q: 'x'.repeat(101) }, 'InvalidRequest'],
  ])('%s: 400 for %s', async (nsid, _name, params, error) => {
    const { get } = setup()
    const r = await get(queryPath(nsid, params))
    expect(r.status).toBe(400)
    expect(r.body).toMatchObject({ error })
    expect(typeof r.body.message).toBe('string')
  })

  it('a cursor of one query is refused by another', async () => {
    const { get } = setup()
    const members = await get(queryPath(NSID.getMembers, { community: R.id, limit: '1' }))
    expect((await get(queryPath(NSID.getActions, { community: R.id, cursor: members.body.cursor }))).body.error).toBe('InvalidRequest')
  })

  it('getPosts: 400s come after authentication', async () => {
    const { get } = setup()
    const auth = await token(owner)
    expect((await get(queryPath(NSID.getPosts, { community: unknown }), auth)).body.error).toBe('UnknownCommunity')
    expect((await get(queryPath(NSID.getPosts, { community: R.id, limit: '0' }), auth)).body.error).toBe('InvalidRequest')
    expect((await get(queryPath(NSID.getPosts, { community: R.id, cursor: 'x' }), auth)).body.error).toBe('InvalidRequest')
  })
})
