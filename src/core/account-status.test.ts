import { afterEach, describe, expect, it } from 'vitest'
import { accountEvent, actionEvent, community, configEvent, membershipEvent, postEvent, postUri } from '../../test/support/events.js'
import { indexHarness } from '../../test/support/index-harness.js'
import { ReadService } from './read-service.js'

const alice = 'did:plc:alice' // owns A
const bob = 'did:plc:bob' // member of A and B, owns C
const carol = 'did:plc:carol' // member of A
const A = community(alice, '3kaaaaaaaaaaa')
const B = community(alice, '3kbbbbbbbbbbb')
const C = community(bob, '3kccccccccccc')

let h = indexHarness()
afterEach(() => h.close())

function world() {
  h.close()
  h = indexHarness()
  h.apply(
    configEvent(A), configEvent(B), configEvent(C),
    membershipEvent(bob, 'ma', A), membershipEvent(bob, 'mb', B), membershipEvent(carol, 'mc', A),
    postEvent(bob, 'b1', `one ${A.hashtag} ${B.hashtag}`), postEvent(carol, 'c1', `two ${A.hashtag}`),
    postEvent(bob, 'b2', `own ${C.hashtag}`),
    actionEvent(bob, 'x1', A, 'hide_post', postUri(carol, 'c1'), '2026-01-01T00:00:00.000Z'),
  )
}
const feeds = () => ({ A: h.feed(A.id), B: h.feed(B.id) })

describe('account status (SPEC §4)', () => {
  it.each(['takendown', 'suspended', 'deactivated', 'something-new'])('an account that is %s leaves every skeleton until it is active again', (status) => {
    world()
    const before = feeds()
    expect(before).toEqual({ A: [postUri(carol, 'c1'), postUri(bob, 'b1')], B: [postUri(bob, 'b1')] })
    h.apply(accountEvent(bob, status))
    expect(feeds()).toEqual({ A: [postUri(carol, 'c1')], B: [] })
    // A post indexed while inactive (a replay) stays out too.
    h.apply(postEvent(bob, 'b3', `late ${B.hashtag}`))
    expect(h.feed(B.id)).toEqual([])
    h.apply(accountEvent(bob, undefined))
    expect(h.feed(A.id)).toEqual(before.A)
    expect(h.feed(B.id)).toEqual([postUri(bob, 'b3'), postUri(bob, 'b1')])
  })

  it('the moderator view shows an inactive author\'s posts as such, and a block outlasts reactivation', () => {
    world()
    h.apply(actionEvent(alice, 'blk', A, 'block_user', bob, '2026-01-01T00:00:00.000Z'), accountEvent(bob, 'suspended'), accountEvent(bob, undefined))
    expect(h.feed(A.id)).toEqual([postUri(carol, 'c1')])
    expect(h.feed(B.id)).toEqual([postUri(bob, 'b1')])
  })

  it('a deleted account leaves the index: its posts, memberships, actions and communities', () => {
    world()
    h.apply(accountEvent(bob, 'deleted'))
    expect(feeds()).toEqual({ A: [postUri(carol, 'c1')], B: [] })
    expect(() => h.feed(C.id)).toThrow(/UnknownFeed/)
    expect(h.store.membershipsOf(bob)).toEqual([])
    expect(h.store.actionsOf(bob)).toEqual([])
    const reads = new ReadService({ store: h.store, minSortUs: () => 0 })
    const a = reads.community({ community: A.uri })
    expect(a.ok && a.value.counts).toMatchObject({ members: 2, postsIndexed: 1 })
    // Its hide was withdrawn with the record, though bob was never a moderator: nothing to undo here.
    expect(reads.community({ community: C.uri }).ok).toBe(false)
    // Replaying the deletion changes nothing.
    const snapshot = h.snapshot()
    h.apply(accountEvent(bob, 'deleted'))
    expect(h.snapshot()).toEqual(snapshot)
  })

  it('a deleted moderator\'s actions are withdrawn', () => {
    h.close()
    h = indexHarness()
    h.apply(
      configEvent(A, { moderators: [bob] }), membershipEvent(carol, 'mc', A), postEvent(carol, 'c1', `hi ${A.hashtag}`),
      actionEvent(bob, 'x1', A, 'hide_post', postUri(carol, 'c1'), '2026-01-01T00:00:00.000Z'),
    )
    expect(h.feed(A.id)).toEqual([])
    h.apply(accountEvent(bob, 'deleted'))
    expect(h.feed(A.id)).toEqual([postUri(carol, 'c1')])
  })
})
