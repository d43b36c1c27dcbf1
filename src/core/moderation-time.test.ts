import { afterEach, describe, expect, it } from 'vitest'
import { actionEvent, community, configEvent, membershipEvent, postEvent, postUri, T0, tick } from '../../test/support/events.js'
import { indexHarness } from '../../test/support/index-harness.js'
import { ReadService } from './read-service.js'

const alice = 'did:plc:alice' // owner
const dave = 'did:plc:dave' // moderator
const bob = 'did:plc:bob' // member
const mallory = 'did:plc:mallory' // nobody
const A = community(alice, '3kmmmmmmmmmmm')

let h = indexHarness()
afterEach(() => h.close())

const start = () => {
  h.close()
  h = indexHarness()
  h.apply(configEvent(A, { moderators: [dave] }), membershipEvent(bob, 'm1', A), postEvent(bob, 'p1', `hi ${A.hashtag}`))
}
const reads = () => new ReadService({ store: h.store, minSortUs: () => 0 })

describe('effective time of moderation actions (SPEC §5)', () => {
  it('a moderator\'s action dated 9999 does not outrank the owner\'s later one', () => {
    start()
    h.apply(actionEvent(dave, 'future', A, 'hide_post', postUri(bob, 'p1'), '9999-12-31T23:59:59.999Z'))
    expect(h.feed(A.id)).toEqual([])
    h.apply(actionEvent(alice, 'later', A, 'unhide_post', postUri(bob, 'p1'), new Date(T0 / 1000).toISOString()))
    expect(h.feed(A.id)).toEqual([postUri(bob, 'p1')])
  })

  it('a backdated action counts from its claim, and a replay keeps the first-seen time', () => {
    start()
    const hide = actionEvent(alice, 'old', A, 'hide_post', postUri(bob, 'p1'), '2020-01-01T00:00:00.000Z')
    h.apply(hide, actionEvent(dave, 'new', A, 'unhide_post', postUri(bob, 'p1'), '2021-01-01T00:00:00.000Z'))
    expect(h.feed(A.id)).toEqual([postUri(bob, 'p1')])
    // A later update of the same record cannot move its first-seen time forward.
    h.apply({ ...actionEvent(dave, 'new', A, 'unhide_post', postUri(bob, 'p1'), '9999-01-01T00:00:00.000Z'), op: 'update', timeUs: tick() + 10 ** 12 })
    expect(h.store.getAction(`at://${dave}/net.atrarium.moderation.action/new`)!.effectiveUs).toBeLessThan(T0)
  })

  it.each(['0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999999Z'])('every stored time is a safe integer (%s)', (createdAt) => {
    start()
    h.apply(actionEvent(alice, 'edge', A, 'hide_post', postUri(bob, 'p1'), createdAt))
    const a = h.store.getAction(`at://${alice}/net.atrarium.moderation.action/edge`)!
    expect(Number.isSafeInteger(a.effectiveUs) && a.effectiveUs >= 0).toBe(true)
    expect(Number.isSafeInteger(a.seenUs)).toBe(true)
  })

  it('60 far-future unauthorized actions do not hide the real one: every cursor issued is accepted, to the end', () => {
    start()
    for (let i = 0; i < 60; i++) h.apply(actionEvent(mallory, `spam${i}`, A, 'hide_post', postUri(bob, 'p1'), '9999-12-31T23:59:59.999Z'))
    h.apply(actionEvent(alice, 'real', A, 'hide_post', postUri(bob, 'p1'), new Date(T0 / 1000 - 60_000).toISOString()))
    const seen: string[] = []
    let cursor: string | undefined
    for (let page = 0; page < 100; page++) {
      const r = reads().getActions({ community: A.uri, limit: 7, ...(cursor ? { cursor } : {}) })
      if (!r.ok) throw new Error(r.error.message)
      seen.push(...r.value.actions.map((a) => `${a.uri.split('/').pop()} ${a.status}`))
      cursor = r.value.cursor
      if (!cursor) break
    }
    expect(seen).toHaveLength(61)
    expect(seen).toContain('real inForce')
    expect(seen.filter((s) => s.endsWith('unauthorized'))).toHaveLength(60)
  })
})
