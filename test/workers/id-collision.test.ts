import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { RepoEvent } from '../../src/core/events.js'
import { NSID } from '../../src/core/nsid.js'
import { collisionAttack } from '../support/collision.js'
import { queryPath } from '../support/read-scenario.js'
import { deliverEvents, getJson } from './queue-delivery.js'

const testEnv = { ...env, ATRARIUM_HOSTNAME: 'feeds.example.com' }
const deliver = (events: RepoEvent[]) => deliverEvents(events, testEnv)
const get = (path: string) => getJson(path, testEnv)
const feedOf = async (publisher: string, id: string) =>
  get(`/xrpc/${NSID.getFeedSkeleton}?feed=${encodeURIComponent(`at://${publisher}/${NSID.feedGenerator}/${id}`)}&limit=50`)

// Each order gets its own owners, so its communities start empty.
describe.each([
  ['victim first', 'one'],
  ['attacker first', 'two'],
])('a ground id collision on the Workers host (%s)', (order, n) => {
  const alice = `did:plc:alice-${n}` // owns the community
  const bob = `did:plc:bob-${n}` // alice's member
  const mallory = `did:plc:mallory-${n}` // grinds a colliding config
  const eve = `did:plc:eve-${n}` // mallory's member
  const attack = collisionAttack({ alice, bob, mallory, eve })
  const { victim, attacker } = attack

  it('keeps each community apart: feeds by publisher, reads by URI, an ambiguous id is a 400', async () => {
    expect(victim.id).toBe(attacker.id)
    const configs = attack.configs()
    await deliver([...(order === 'victim first' ? configs : configs.reverse()), ...attack.records()])
    const posts = async (publisher: string) => (await feedOf(publisher, victim.id)).body.feed.map((f: { post: string }) => f.post)
    expect(await posts(alice)).toEqual(attack.feeds.victim)
    expect(await posts(mallory)).toEqual(attack.feeds.attacker)
    // A third party's feed URI cannot tell them apart: unknown, never the other community.
    expect(await feedOf('did:plc:publisher', victim.id)).toMatchObject({ status: 400, body: { error: 'UnknownFeed' } })

    const byId = await get(queryPath(NSID.getCommunity, { community: victim.id }))
    expect(byId).toMatchObject({ status: 400, body: { error: 'InvalidRequest' } })
    expect(byId.body.message).toContain(victim.uri)
    expect(byId.body.message).toContain(attacker.uri)
    // Each keeps the other's members' posts, never shown (SPEC §4).
    const mine = await get(queryPath(NSID.getCommunity, { community: victim.uri }))
    expect(mine).toMatchObject({ status: 200, body: { uri: victim.uri, owner: alice, counts: { members: 2, postsIndexed: 4 } } })
    const theirs = await get(queryPath(NSID.getCommunity, { community: attacker.uri }))
    expect(theirs).toMatchObject({ status: 200, body: { uri: attacker.uri, owner: mallory, counts: { members: 2, postsIndexed: 4 } } })
    // Both are listed, each under its own owner's feed URI.
    const listed = (await get(queryPath(NSID.listCommunities, { limit: '100' }))).body.communities.map((c: { uri: string }) => c.uri)
    expect(listed).toEqual(expect.arrayContaining([victim.uri, attacker.uri]))
    const described = (await get('/xrpc/app.bsky.feed.describeFeedGenerator')).body.feeds.map((f: { uri: string }) => f.uri)
    expect(described).toEqual(expect.arrayContaining([alice, mallory].map((o) => `at://${o}/${NSID.feedGenerator}/${victim.id}`)))
  })
})
