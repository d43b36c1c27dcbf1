import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RepoEvent } from '../core/events.js'
import { silentLogger } from '../core/logger.js'
import { NSID } from '../core/nsid.js'
import { err, ok, type Result } from '../core/result.js'
import { community, configEvent, del, isoUs, membershipEvent, postEvent, postUri, T0 } from '../../test/support/events.js'
import { indexHarness } from '../../test/support/index-harness.js'
import { JoinBackfiller } from './join-backfill.js'
import type { ListedPost } from './post-listing.js'

const alice = 'did:plc:alice' // owner
const bob = 'did:plc:bob'
const carol = 'did:plc:carol'
const A = community(alice, '3jzfcijpj2z2a')
const B = community(alice, '3jzfcijpj2z2b')
const tagged = (c = A) => ({ text: `hi ${c.hashtag}`, createdAt: isoUs(T0 - 60_000_000) })

let h: ReturnType<typeof indexHarness>
beforeEach(() => void (h = indexHarness()))
afterEach(() => h.close())

const queued = () => h.store.dueJoinBackfills(Number.MAX_SAFE_INTEGER, 100).map((j) => [j.community === A.uri ? 'A' : 'B', j.did])

interface QueueCase {
  name: string
  events: () => RepoEvent[]
  /** Jobs queued afterwards, as [community, did]. */
  jobs: [string, string][]
}

const queueCases: QueueCase[] = [
  { name: 'a new community queues its owner and moderators', events: () => [configEvent(A, { moderators: [carol] })], jobs: [['A', alice], ['A', carol]] },
  { name: 'a membership of a known community queues the member', events: () => [configEvent(A), membershipEvent(bob, 'm1', A)], jobs: [['A', alice], ['A', bob]] },
  { name: 'a replayed membership queues nothing more', events: () => [configEvent(A), membershipEvent(bob, 'm1', A)], jobs: [['A', alice], ['A', bob]] },
  { name: 'a second membership record of a member is not a join', events: () => [configEvent(A), membershipEvent(bob, 'm1', A), membershipEvent(bob, 'm2', A)], jobs: [['A', alice], ['A', bob]] },
  { name: 'an inactive membership queues nothing', events: () => [configEvent(A), membershipEvent(bob, 'm1', A, { active: false })], jobs: [['A', alice]] },
  { name: 'a moderator added by a config update is a join', events: () => [configEvent(A), configEvent(A, { moderators: [carol] }, 'update')], jobs: [['A', alice], ['A', carol]] },
  { name: 'a membership moving to another community joins that one', events: () => [configEvent(A), configEvent(B), membershipEvent(bob, 'm1', A), membershipEvent(bob, 'm1', B)], jobs: [['A', alice], ['A', bob], ['B', alice], ['B', bob]] },
  { name: 'a membership that arrived before its config joins when the config does (SPEC §6)', events: () => [membershipEvent(bob, 'm1', A), configEvent(A)], jobs: [['A', alice], ['A', bob]] },
  { name: 'records read by a backfill queue nothing (it reads posts itself)', events: () => [{ ...configEvent(A), backfill: true }, { ...membershipEvent(bob, 'm1', A), backfill: true }], jobs: [] },
]

describe('join backfill: what queues a job (SPEC §4, issue #13)', () => {
  it.each(queueCases)('$name', ({ name, events, jobs }) => {
    const list = events()
    h.apply(...list)
    if (name.startsWith('a replayed')) h.apply(...list)
    expect(queued().sort()).toEqual(jobs.sort())
  })
})

/** A PDS listing per author, with a hook that runs while a fetch is in flight. */
function fakePds(posts: Record<string, ListedPost[]>, during?: (did: string) => void) {
  const calls: string[] = []
  const failures = new Map<string, number>()
  const listPosts = async (did: string): Promise<Result<ListedPost[]>> => {
    calls.push(did)
    await Promise.resolve()
    during?.(did)
    const fail = failures.get(did) ?? 0
    if (fail > 0) {
      failures.set(did, fail - 1)
      return err(`cannot list posts of ${did}: HTTP 503`)
    }
    return ok(posts[did] ?? [])
  }
  return { calls, failures, listPosts }
}

function backfiller(listPosts: (did: string) => Promise<Result<ListedPost[]>>, nowUs = () => T0) {
  return new JoinBackfiller({
    store: h.store, log: silentLogger, listPosts, nowUs, minSortUs: () => h.indexer.minSortUs(),
    apply: (events) => h.indexer.applyBatch(events), retry: { baseMs: 1000, maxMs: 1000 }, maxAttempts: 3,
  })
}

describe('JoinBackfiller', () => {
  it("indexes a new member's earlier posts naming the community, once for every community they joined", async () => {
    h.apply(configEvent(A), configEvent(B), { ...membershipEvent(alice, 'own', A), backfill: true })
    h.store.finishJoinBackfill(A.uri, alice)
    h.store.finishJoinBackfill(B.uri, alice)
    h.apply(membershipEvent(bob, 'm1', A), membershipEvent(bob, 'm2', B))
    const pds = fakePds({ [bob]: [{ rkey: 'p2', record: { $type: NSID.post, ...tagged(B) } }, { rkey: 'p1', record: { $type: NSID.post, ...tagged(A) } }, { rkey: 'p0', record: { $type: NSID.post, text: 'untagged', createdAt: isoUs(T0) } }] })
    const step = await backfiller(pds.listPosts).step()
    expect(pds.calls).toEqual([bob])
    expect(step.finished.map((f) => f.community).sort()).toEqual([A.uri, B.uri].sort())
    expect(h.feed(A.id)).toEqual([postUri(bob, 'p1')])
    expect(h.feed(B.id)).toEqual([postUri(bob, 'p2')])
    expect(h.store.joinBackfillCount()).toBe(0)
  })

  it('a post the stream deletes while the fetch is in flight stays deleted; the next join fetches afresh', async () => {
    h.apply(configEvent(A), membershipEvent(bob, 'm1', A))
    const listed = [{ rkey: 'p2', record: { $type: NSID.post, ...tagged() } }, { rkey: 'p1', record: { $type: NSID.post, ...tagged() } }]
    const pds = fakePds({ [bob]: listed }, (did) => did === bob && h.apply(del(bob, NSID.post, 'p2')))
    await backfiller(pds.listPosts).step()
    expect(h.feed(A.id)).toEqual([postUri(bob, 'p1')])
    // With the job done the tombstone goes: a later listing is the PDS's word again.
    expect(h.store.hasPostTombstone(postUri(bob, 'p2'))).toBe(false)
  })

  it('a delete for an author with no job leaves no tombstone', () => {
    h.apply(configEvent(A), postEvent(carol, 'p1', `x ${A.hashtag}`), del(carol, NSID.post, 'p1'))
    expect(h.store.hasPostTombstone(postUri(carol, 'p1'))).toBe(false)
  })

  it('a failed fetch is retried after its backoff, then given up after the last attempt', async () => {
    h.apply(configEvent(A), membershipEvent(bob, 'm1', A))
    h.store.finishJoinBackfill(A.uri, alice)
    let now = T0
    const pds = fakePds({ [bob]: [{ rkey: 'p1', record: { $type: NSID.post, ...tagged() } }] })
    pds.failures.set(bob, 5)
    const b = backfiller(pds.listPosts, () => now)
    expect((await b.step()).failed).toBe(1)
    // Not due again until the backoff (0.5–1 s) has passed.
    expect((await b.step()).finished).toEqual([])
    expect(pds.calls).toHaveLength(1)
    now += 1_000_001
    expect((await b.step()).failed).toBe(1)
    now += 1_000_001
    await b.step()
    expect(pds.calls).toHaveLength(3)
    expect(b.stats).toMatchObject({ done: 0, failed: 2, dropped: 1 })
    expect(h.store.joinBackfillCount()).toBe(0)
    expect(h.feed(A.id)).toEqual([])
  })

  it('a throwing apply leaves the job queued, and the retry indexes the posts exactly once', async () => {
    h.apply(configEvent(A), membershipEvent(bob, 'm1', A))
    h.store.finishJoinBackfill(A.uri, alice)
    let now = T0
    let broken = true
    const pds = fakePds({ [bob]: [{ rkey: 'p1', record: { $type: NSID.post, ...tagged() } }] })
    const b = new JoinBackfiller({
      store: h.store, log: silentLogger, listPosts: pds.listPosts, nowUs: () => now, minSortUs: () => h.indexer.minSortUs(), retry: { baseMs: 1000, maxMs: 1000 },
      apply: (events) => {
        h.indexer.applyBatch(events)
        if (broken) throw new Error('report failed')
      },
    })
    await b.step()
    expect(h.store.joinBackfillCount()).toBe(1)
    broken = false
    now += 1_000_001
    await b.step()
    expect(h.store.joinBackfillCount()).toBe(0)
    expect(h.feed(A.id)).toEqual([postUri(bob, 'p1')])
  })

  it('takes at most the given number of authors per step, the earliest queued first', async () => {
    h.apply(configEvent(A))
    for (let i = 0; i < 6; i++) h.store.queueJoinBackfill(A.uri, `did:plc:m${i}`, T0 + i)
    const pds = fakePds({})
    const b = backfiller(pds.listPosts, () => T0 + 10)
    await b.step(2)
    expect(pds.calls.sort()).toEqual([alice, 'did:plc:m0'].sort())
    await b.step(10)
    expect(pds.calls).toHaveLength(7)
  })
})
