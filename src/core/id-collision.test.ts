import { afterEach, describe, expect, it } from 'vitest'
import { del } from '../../test/support/events.js'
import { collisionAttack } from '../../test/support/collision.js'
import { indexHarness } from '../../test/support/index-harness.js'
import type { RepoEvent } from './events.js'
import { NSID } from './nsid.js'
import { ReadService } from './read-service.js'

const alice = 'did:plc:alice' // owns the community
const bob = 'did:plc:bob' // alice's member
const mallory = 'did:plc:mallory' // grinds a colliding config
const eve = 'did:plc:eve' // mallory's member

const attack = collisionAttack({ alice, bob, mallory, eve })
const { victim, attacker } = attack
const scenario = (): RepoEvent[] => [...attack.configs(), ...attack.records()]

// Configs in either order; actions before or after the posts they name (SPEC §5, §6). Posts come
// after their authors' memberships: a post is judged when it arrives (SPEC §4).
const orders: [string, () => RepoEvent[]][] = [
  ['victim first', () => [...attack.configs(), ...attack.records()]],
  ['attacker first', () => [...attack.configs().reverse(), ...attack.records()]],
  ['attacker first, actions before posts', () => {
    const records = attack.records()
    return [...attack.configs().reverse(), ...records.slice(6).reverse(), ...records.slice(0, 6)]
  }],
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
    h.apply(...order())
    const feedOf = (publisher: string) => h.feed(victim.id, 100, publisher)
    expect(feedOf(alice)).toEqual(attack.feeds.victim)
    expect(feedOf(mallory)).toEqual(attack.feeds.attacker)
    // A third party's feed URI cannot tell them apart: unknown, never the other community.
    expect(() => feedOf('did:plc:publisher')).toThrow(/UnknownFeed/)
    // Replays change nothing.
    h.apply(...scenario(), ...scenario())
    expect(feedOf(alice)).toEqual(attack.feeds.victim)
  })

  it('a single community with the id serves any publisher, and a deleted collider restores that', () => {
    h.close()
    h = indexHarness()
    h.apply(...scenario())
    h.apply(del(mallory, NSID.config, attacker.rkey))
    expect(h.feed(victim.id)).toEqual(attack.feeds.victim)
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
    // Each keeps the other's members' posts too, never shown (SPEC §4: kept, shown only for members).
    const mine = reads.community({ community: victim.uri })
    expect(mine.ok && mine.value.counts).toEqual({ members: 2, postsIndexed: 4, postsHidden: 0, blockedUsers: 0 })
    const theirs = reads.community({ community: attacker.uri })
    expect(theirs.ok && theirs.value.counts).toEqual({ members: 2, postsIndexed: 4, postsHidden: 1, blockedUsers: 1 })
    const members = reads.getMembers({ community: victim.uri, limit: 10 })
    expect(members.ok && members.value.members.map((m) => m.did)).toEqual([alice, bob])
  })
})
