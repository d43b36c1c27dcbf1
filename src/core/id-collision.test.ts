import { afterEach, describe, expect, it } from 'vitest'
import { actionEvent, community, configEvent, del, membershipEvent, postEvent, postUri } from '../../test/support/events.js'
import { collidingRkeys } from '../../test/support/collision.js'
import { indexHarness } from '../../test/support/index-harness.js'
import type { RepoEvent } from './events.js'
import { NSID } from './nsid.js'
import { ReadService } from './read-service.js'

const alice = 'did:plc:alice' // owns the community
const bob = 'did:plc:bob' // alice's member
const mallory = 'did:plc:mallory' // grinds a colliding config
const eve = 'did:plc:eve' // mallory's member

const [aliceKey, malloryKey] = collidingRkeys(alice, mallory)
const victim = community(alice, aliceKey)
const attacker = community(mallory, malloryKey)

const scenario = (): RepoEvent[] => [
  configEvent(victim),
  // Backdated: an earlier createdAt buys nothing.
  configEvent(attacker, { createdAt: '0001-01-01T00:00:00.000Z' }),
  membershipEvent(bob, 'm1', victim),
  membershipEvent(eve, 'm2', attacker),
  postEvent(bob, 'b1', `birds ${victim.hashtag}`),
  postEvent(alice, 'a1', `welcome ${victim.hashtag}`),
  postEvent(eve, 'e1', `spam ${attacker.hashtag}`),
  postEvent(mallory, 'x1', `more spam ${attacker.hashtag}`),
  // The attacker hides the victim's post in its own community, and blocks the victim's member.
  actionEvent(mallory, 'h1', attacker, 'hide_post', postUri(bob, 'b1'), '2026-01-01T00:00:00.000Z'),
  actionEvent(mallory, 'h2', attacker, 'block_user', alice, '2026-01-01T00:00:00.000Z'),
]

// Configs in either order; actions before or after the posts they name (SPEC §5, §6). Posts come
// after their authors' memberships: a post is judged when it arrives (SPEC §4).
const orders: [string, (events: RepoEvent[]) => RepoEvent[]][] = [
  ['victim first', (e) => e],
  ['attacker first', (e) => [e[1]!, e[0]!, ...e.slice(2)]],
  ['attacker first, actions before posts', (e) => [e[1]!, e[0]!, ...e.slice(8).reverse(), ...e.slice(2, 8)]],
]

let h = indexHarness()
afterEach(() => h.close())

describe('colliding community ids (SPEC §1)', () => {
  it('the birthday search finds a real collision between two owners', () => {
    expect(victim.id).toBe(attacker.id)
    expect(victim.uri).not.toBe(attacker.uri)
  })

  it.each(orders)('each community keeps its own members, posts and moderation (%s)', (_, order) => {
    h.close()
    h = indexHarness()
    h.apply(...order(scenario()))
    const feedOf = (publisher: string) => h.feed(victim.id, 100, publisher)
    expect(feedOf(alice)).toEqual([postUri(alice, 'a1'), postUri(bob, 'b1')])
    expect(feedOf(mallory)).toEqual([postUri(mallory, 'x1'), postUri(eve, 'e1')])
    // A third party's feed URI cannot tell them apart: unknown, never the other community.
    expect(() => feedOf('did:plc:publisher')).toThrow(/UnknownFeed/)
    // Replays change nothing.
    h.apply(...scenario(), ...scenario())
    expect(feedOf(alice)).toEqual([postUri(alice, 'a1'), postUri(bob, 'b1')])
  })

  it('a single community with the id serves any publisher, and a deleted collider restores that', () => {
    h.close()
    h = indexHarness()
    h.apply(...scenario())
    h.apply(del(mallory, NSID.config, attacker.rkey))
    expect(h.feed(victim.id)).toEqual([postUri(alice, 'a1'), postUri(bob, 'b1')])
  })

  it('queries take the config URI; an ambiguous id is a 400 naming both', () => {
    h.close()
    h = indexHarness()
    h.apply(...scenario())
    const reads = new ReadService({ store: h.store, minSortUs: () => 0 })
    const ambiguous = reads.community({ community: victim.id })
    expect(ambiguous.ok).toBe(false)
    if (!ambiguous.ok) {
      expect(ambiguous.error.error).toBe('InvalidRequest')
      expect(ambiguous.error.message).toContain(victim.uri)
      expect(ambiguous.error.message).toContain(attacker.uri)
    }
    const mine = reads.community({ community: victim.uri })
    expect(mine.ok && mine.value.counts).toEqual({ members: 2, postsIndexed: 2, postsHidden: 0, blockedUsers: 0 })
    const theirs = reads.community({ community: attacker.uri })
    expect(theirs.ok && theirs.value.counts).toEqual({ members: 2, postsIndexed: 2, postsHidden: 0, blockedUsers: 1 })
    const members = reads.getMembers({ community: victim.uri, limit: 10 })
    expect(members.ok && members.value.members.map((m) => m.did)).toEqual([alice, bob])
  })
})
