import { communityIdOf, configUriOf } from '../../src/core/community-id.js'
import type { RepoWrite } from '../../src/core/events.js'
import { actionEvent, community, configEvent, membershipEvent, postEvent, postUri } from './events.js'

/**
 * Config rkeys `[a, b]` of `ownerA` and `ownerB` whose AT-URIs derive the same 32-bit community id:
 * a birthday search, so about 2^16 hashes per owner, well under a second. With one owner for both,
 * two of that owner's own configs collide.
 */
export function collidingRkeys(ownerA: string, ownerB: string, prefix = 'c'): [string, string] {
  const seen = new Map<string, [string, string]>()
  for (let i = 0; i < 2_000_000; i++) {
    const owner = i % 2 === 0 ? ownerA : ownerB
    const rkey = `${prefix}${i.toString(36)}`
    const id = communityIdOf(configUriOf(owner, rkey))
    const other = seen.get(id)
    if (other && (other[0] !== owner || ownerA === ownerB)) return other[0] === ownerA && owner === ownerB ? [other[1], rkey] : [rkey, other[1]]
    if (!other) seen.set(id, [owner, rkey])
  }
  throw new Error('no collision found')
}

/**
 * A ground collision attack: `mallory` grinds a config whose id is `alice`'s, backdates it, gathers
 * a member (`eve`), posts under the shared hashtag, and acts on `alice`'s community's post and owner
 * from her own, with a far-future date. `alice`'s community has one member, `bob`.
 */
export function collisionAttack({ alice, bob, mallory, eve }: { alice: string; bob: string; mallory: string; eve: string }) {
  const [aliceKey, malloryKey] = collidingRkeys(alice, mallory)
  const victim = community(alice, aliceKey)
  const attacker = community(mallory, malloryKey)
  return {
    victim,
    attacker,
    /** The two configs, the attacker's claiming the year 1. */
    configs: (): RepoWrite[] => [configEvent(victim), configEvent(attacker, { createdAt: '0001-01-01T00:00:00.000Z' })],
    /** Memberships, posts, then the attacker's actions: a post comes after its author's membership (SPEC §4). */
    records: (): RepoWrite[] => [
      membershipEvent(bob, 'm1', victim),
      membershipEvent(eve, 'm2', attacker),
      postEvent(bob, 'b1', `birds ${victim.hashtag}`),
      postEvent(alice, 'a1', `welcome ${victim.hashtag}`),
      postEvent(eve, 'e1', `spam ${attacker.hashtag}`),
      postEvent(mallory, 'x1', `more spam ${attacker.hashtag}`),
      actionEvent(mallory, 'h1', attacker, 'hide_post', postUri(bob, 'b1'), '9999-01-01T00:00:00.000Z'),
      actionEvent(mallory, 'h2', attacker, 'block_user', alice, '2026-01-01T00:00:00.000Z'),
    ],
    /** Each community's feed, newest first, whatever the order of arrival. */
    feeds: { victim: [postUri(alice, 'a1'), postUri(bob, 'b1')], attacker: [postUri(mallory, 'x1'), postUri(eve, 'e1')] },
  }
}
