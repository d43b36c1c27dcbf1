import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { NSID } from './nsid.js'
import type { RepoEvent } from './events.js'
import { ReadService } from './read-service.js'
import { actionEvent, community, configEvent, del, membershipEvent, postEvent, postUri } from '../../test/support/events.js'
import { indexHarness } from '../../test/support/index-harness.js'

// SPEC §9: under `membership: "approval"`, a membership record makes a pending member until the
// owner or a moderator approves them; the latest approval action in force decides.
const alice = 'did:plc:alice' // owner
const dave = 'did:plc:dave' // moderator
const bob = 'did:plc:bob'
const carol = 'did:plc:carol'
const mallory = 'did:plc:mallory' // not a moderator
const A = community(alice, '3jzfcijpj2z2a')

let h: ReturnType<typeof indexHarness>
beforeEach(() => (h = indexHarness()))
afterEach(() => h.close())

const T = (s: number) => `2026-11-01T00:00:${String(s).padStart(2, '0')}.000Z`
const gated = (fields: object = {}) => configEvent(A, { moderators: [dave], membership: 'approval', ...fields })
const act = (who: string, rkey: string, action: string, target: string, s: number) => actionEvent(who, rkey, A, action, target, T(s))
const post = (did: string, rkey: string) => postEvent(did, rkey, `hello ${A.hashtag}`)

const cases: { name: string; events: () => RepoEvent[]; feed: [string, string][]; pending: string[] }[] = [
  { name: 'a member is pending, their posts kept but not shown', events: () => [gated(), membershipEvent(bob, 'm1', A), post(bob, 'p1')], feed: [], pending: [bob] },
  { name: 'approval shows their posts, those written before too', events: () => [gated(), membershipEvent(bob, 'm1', A), post(bob, 'p1'), act(dave, 'a1', 'approve_member', bob, 1), post(bob, 'p2')], feed: [[bob, 'p2'], [bob, 'p1']], pending: [] },
  { name: 'an approval that arrives before the membership', events: () => [gated(), act(alice, 'a1', 'approve_member', bob, 1), membershipEvent(bob, 'm1', A), post(bob, 'p1')], feed: [[bob, 'p1']], pending: [] },
  { name: 'an approval that arrives before the config', events: () => [act(alice, 'a1', 'approve_member', bob, 1), membershipEvent(bob, 'm1', A), gated(), post(bob, 'p1')], feed: [[bob, 'p1']], pending: [] },
  { name: 'a later reject undoes the approval', events: () => [gated(), membershipEvent(bob, 'm1', A), post(bob, 'p1'), act(dave, 'a1', 'approve_member', bob, 1), act(dave, 'a2', 'reject_member', bob, 2)], feed: [], pending: [] },
  { name: 'a later block undoes the approval, and an unblock does not restore it', events: () => [gated(), membershipEvent(bob, 'm1', A), post(bob, 'p1'), act(dave, 'a1', 'approve_member', bob, 1), act(dave, 'a2', 'block_user', bob, 2), act(dave, 'a3', 'unblock_user', bob, 3)], feed: [], pending: [] },
  { name: 'approving a blocked member does not lift the block', events: () => [gated(), membershipEvent(bob, 'm1', A), post(bob, 'p1'), act(dave, 'a1', 'block_user', bob, 1), act(dave, 'a2', 'approve_member', bob, 2)], feed: [], pending: [] },
  { name: 'approving again after a block admits them once unblocked', events: () => [gated(), membershipEvent(bob, 'm1', A), post(bob, 'p1'), act(dave, 'a1', 'block_user', bob, 1), act(dave, 'a2', 'unblock_user', bob, 2), act(dave, 'a3', 'approve_member', bob, 3)], feed: [[bob, 'p1']], pending: [] },
  { name: 'the latest decides by createdAt, not arrival', events: () => [gated(), membershipEvent(bob, 'm1', A), post(bob, 'p1'), act(dave, 'a2', 'reject_member', bob, 2), act(dave, 'a1', 'approve_member', bob, 1)], feed: [], pending: [] },
  { name: 'deleting the approval makes them pending again', events: () => [gated(), membershipEvent(bob, 'm1', A), post(bob, 'p1'), act(dave, 'a1', 'approve_member', bob, 1), del(dave, NSID.action, 'a1')], feed: [], pending: [bob] },
  { name: "a non-moderator's approval is ignored", events: () => [gated(), membershipEvent(bob, 'm1', A), post(bob, 'p1'), act(mallory, 'a1', 'approve_member', bob, 1)], feed: [], pending: [bob] },
  { name: "removing the moderator withdraws their approval", events: () => [gated(), membershipEvent(bob, 'm1', A), post(bob, 'p1'), act(dave, 'a1', 'approve_member', bob, 1), gated({ moderators: [] })], feed: [], pending: [bob] },
  { name: 'leaving and coming back needs no new approval', events: () => [gated(), membershipEvent(bob, 'm1', A), act(dave, 'a1', 'approve_member', bob, 1), del(bob, NSID.membership, 'm1'), post(bob, 'p1'), membershipEvent(bob, 'm2', A)], feed: [[bob, 'p1']], pending: [] },
  { name: 'an approval without a membership makes no member', events: () => [gated(), act(dave, 'a1', 'approve_member', bob, 1), post(bob, 'p1')], feed: [], pending: [] },
  { name: 'owner and moderators need no approval', events: () => [gated(), membershipEvent(dave, 'm1', A), post(alice, 'p1'), post(dave, 'p2')], feed: [[dave, 'p2'], [alice, 'p1']], pending: [] },
  { name: 'switching to approval sends back the unapproved', events: () => [configEvent(A, { moderators: [dave] }), membershipEvent(bob, 'm1', A), membershipEvent(carol, 'm2', A), act(dave, 'a1', 'approve_member', carol, 1), post(bob, 'p1'), post(carol, 'p2'), gated()], feed: [[carol, 'p2']], pending: [bob] },
  { name: 'opening the community admits everyone waiting', events: () => [gated(), membershipEvent(bob, 'm1', A), post(bob, 'p1'), configEvent(A, { moderators: [dave], membership: 'open' }, 'update')], feed: [[bob, 'p1']], pending: [] },
  { name: 'approval actions in an open community change nothing until it asks for approval', events: () => [configEvent(A, { moderators: [dave] }), membershipEvent(bob, 'm1', A), act(dave, 'a1', 'reject_member', bob, 1), post(bob, 'p1')], feed: [[bob, 'p1']], pending: [] },
]

describe('approval to join (SPEC §9)', () => {
  it.each(cases)('$name', ({ events, feed, pending }) => {
    h.apply(...events())
    expect(h.feed(A.id)).toEqual(feed.map(([did, rkey]) => postUri(did, rkey)))
    const reads = new ReadService({ store: h.store, minSortUs: () => 0 })
    const waiting = reads.getMembers({ community: A.uri, limit: 50, pending: true })
    expect(waiting.ok && waiting.value.members.map((m) => m.did)).toEqual(pending)
    const view = reads.community({ community: A.uri })
    if (view.ok && view.value.config.membership === 'approval') expect(view.value.counts.pendingMembers).toBe(pending.length)
  })

  it('gives the same state in any order of the same records (SPEC §6)', () => {
    const records = [gated(), membershipEvent(bob, 'm1', A), membershipEvent(carol, 'm2', A), act(dave, 'a1', 'approve_member', bob, 1), act(dave, 'a2', 'approve_member', carol, 2), act(alice, 'a3', 'reject_member', carol, 3)]
    // Posts that name a community the service does not know yet are not indexed (a backfill reads them), so they come last.
    const posts = () => [post(bob, 'p1'), post(carol, 'p2')]
    h.apply(...records, ...posts())
    const want = h.feed(A.id)
    expect(want).toEqual([postUri(bob, 'p1')])
    for (const order of [[...records].reverse(), [records[3]!, records[5]!, records[1]!, records[0]!, records[2]!, records[4]!]]) {
      h.close()
      h = indexHarness()
      h.apply(...order, ...posts())
      expect(h.feed(A.id)).toEqual(want)
    }
  })

  it('an approval is a join: it queues a fetch of the member’s earlier posts; a backfilled one does not', () => {
    h.apply(gated(), membershipEvent(bob, 'm1', A))
    expect(h.store.hasJoinBackfill(bob)).toBe(false)
    h.apply(act(dave, 'a1', 'approve_member', bob, 1))
    expect(h.store.hasJoinBackfill(bob)).toBe(true)
    h.apply({ ...act(dave, 'a2', 'approve_member', carol, 2), backfill: true }, membershipEvent(carol, 'm2', A))
    expect(h.store.hasJoinBackfill(carol)).toBe(true) // the live membership is the join
    h.apply({ ...membershipEvent(mallory, 'm3', A), backfill: true }, { ...act(dave, 'a3', 'approve_member', mallory, 3), backfill: true })
    expect(h.store.hasJoinBackfill(mallory)).toBe(false)
  })

  it('the members list and count hold the approved only', () => {
    h.apply(gated(), membershipEvent(bob, 'm1', A), membershipEvent(carol, 'm2', A), act(dave, 'a1', 'approve_member', carol, 1))
    const reads = new ReadService({ store: h.store, minSortUs: () => 0 })
    const members = reads.getMembers({ community: A.uri, limit: 50 })
    expect(members.ok && members.value.members.map((m) => m.did).sort()).toEqual([alice, carol, dave].sort())
    const view = reads.community({ community: A.uri })
    expect(view.ok && view.value.counts).toMatchObject({ members: 3, pendingMembers: 1 })
  })
})
