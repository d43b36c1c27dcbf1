import { describe, expect, it } from 'vitest'
import { NSID } from '../../src/core/nsid.js'
import { runSoak, SOAK_DEFAULTS, type SoakMode } from '../../bench/soak.js'
import { actionEvent, community, configEvent, del, isoUs, membershipEvent, postEvent, postUri, tick } from '../support/events.js'
import { SoakModel, type IndexRows } from '../support/soak-model.js'
import { createSoakStream, fixedBase32 } from '../support/soak-stream.js'

// The model is the soak's oracle: it must itself fail an index that lost, kept or showed the wrong thing.
describe('the soak model', () => {
  const C = community('did:plc:owner', '3ksoakmodel22')
  const events = [
    configEvent(C, { moderators: ['did:plc:mod'] }),
    membershipEvent('did:plc:m', 'mm', C),
    postEvent('did:plc:m', 'p1', `one ${C.hashtag}`),
    postEvent('did:plc:x', 'p2', `non-member ${C.hashtag}!`),
    postEvent('did:plc:m', 'p3', 'tags only', { tags: [C.tag] }),
    postEvent('did:plc:m', 'p4', `gone ${C.hashtag}`),
    del('did:plc:m', NSID.post, 'p4'),
    actionEvent('did:plc:mod', 'a1', C, 'hide_post', postUri('did:plc:m', 'p3'), isoUs(tick())),
    postEvent('did:plc:mod', 'p5', `staff ${C.hashtag}`),
  ]
  const model = new SoakModel()
  events.forEach((e, i) => model.apply(e, i + 1))

  it('shows members’ visible posts newest first, and follows hides, blocks and leaves', () => {
    expect(model.expectedFeed(C.uri)).toEqual([postUri('did:plc:mod', 'p5'), postUri('did:plc:m', 'p1')])
    model.apply(actionEvent('did:plc:owner', 'a2', C, 'block_user', 'did:plc:m', isoUs(tick())), 10)
    expect(model.expectedFeed(C.uri)).toEqual([postUri('did:plc:mod', 'p5')])
    model.apply(del('did:plc:owner', NSID.action, 'a2'), 11)
    model.apply(membershipEvent('did:plc:x', 'mx', C), 12)
    expect(model.expectedFeed(C.uri)).toEqual([postUri('did:plc:mod', 'p5'), postUri('did:plc:x', 'p2'), postUri('did:plc:m', 'p1')])
    model.apply(del('did:plc:m', NSID.membership, 'mm'), 13)
    expect(model.expectedFeed(C.uri)).toEqual([postUri('did:plc:mod', 'p5'), postUri('did:plc:x', 'p2')])
  })

  it('after a kill, counts a row the cursor covers as lost when missing and as stale when deleted but kept', () => {
    const rows: IndexRows = model.expectedRows()
    expect(model.checkAt(13, rows)).toMatchObject({ lost: [], stale: [] })
    const p1 = `${postUri('did:plc:m', 'p1')} ${C.uri}`
    rows.posts.delete(p1)
    rows.posts.add(`${postUri('did:plc:m', 'p4')} ${C.uri}`)
    expect(model.checkAt(13, rows)).toMatchObject({ lost: [`posts ${p1}`], stale: [`posts ${postUri('did:plc:m', 'p4')} ${C.uri}`] })
    // Before p1 was created, its absence is no loss; p4 was created before cursor 6 and deleted after it: not judged.
    expect(model.checkAt(2, rows)).toMatchObject({ lost: [], stale: [] })
    expect(model.checkAt(6, rows).stale).toEqual([])
  })
})

// The same code as `npm run soak`, for a minute in each mode, side by side (about 1.5 minutes in all).
describe('soak (issue #15): npm start SIGKILLed 3 times in a minute of stream', () => {
  it.concurrent.for<SoakMode>(['jetstream', 'firehose'])('%s: nothing lost, stale or duplicated; every feed equals the model’s; RSS bounded', { timeout: 300_000 }, async (mode, { expect }) => {
    const r = await runSoak({ ...SOAK_DEFAULTS, mode, minutes: 1, kills: 3, seed: 15 })
    expect(r.failures).toEqual([])
    expect(r.ok).toBe(true)
    expect(r.kills).toHaveLength(3)
    expect(r.restarts).toBe(3)
    expect(r.kills.every((k) => k.cursor !== undefined && k.checked > 0)).toBe(true)
    expect({ lost: r.lost, stale: r.stale, extra: r.extra, duplicated: r.duplicated }).toEqual({ lost: 0, stale: 0, extra: 0, duplicated: 0 })
    expect(r.feeds.length).toBeGreaterThanOrEqual(4)
    expect(r.feeds.every((f) => f.equal && f.expected > 0)).toBe(true)
    expect(r.events).toBeGreaterThan(10_000)
    expect(r.peakRssMiB).toBeGreaterThan(0)
  })
})

describe('the soak stream', () => {
  it('never reuses a record key or a DID spelling', () => {
    const keys = new Set(Array.from({ length: 200_000 }, (_, i) => fixedBase32(i, 11)))
    expect(keys.size).toBe(200_000)
    expect(fixedBase32(2, 11)).not.toBe(fixedBase32(2 * 32 + 2, 11))
    const gen = createSoakStream({ seed: 3 })
    const uris = new Set<string>()
    let creates = 0
    for (let i = 0; i < 50_000; i++) {
      const e = gen.next(1_000_000 + i)
      if (e.op === 'delete') continue
      creates++
      uris.add(`at://${e.did}/${e.collection}/${e.rkey}`)
    }
    expect(uris.size).toBe(creates)
  })
})
