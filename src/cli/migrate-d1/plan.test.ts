import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { communityIdOf, hashtagOf } from '../../core/community-id.js'
import { NSID } from '../../core/nsid.js'
import { validateAction, validateConfig } from '../../core/record-validation.js'
import { loadDump, type D1Dump } from './load-dump.js'
import { actionKey, feedMixFromFractions, isoFromSeconds, joinLink, largestRemainder, mapStage, orderParentsFirst, planMigration, selectActions } from './plan.js'

const did = (name: string) => `did:plc:${name.padEnd(24, 'a')}`
const alice = did('alice')
const fixture = (name: string): D1Dump => {
  const r = loadDump(readFileSync(new URL(`../../../test/fixtures/d1/${name}`, import.meta.url), 'utf8'))
  if (!r.ok) throw new Error(r.error)
  return r.value
}
let n = 0
const plan = (dump: D1Dump, extra: object = {}) => {
  n = 0
  const r = planMigration({ dump, owner: alice, newRkey: () => `3kaaaaaaaaa${'234567abcdefghij'[n++]}2`, now: '2026-01-01T00:00:00.000Z', web: 'https://feeds.example.com', ...extra })
  if (!r.ok) throw new Error(r.error)
  return r.value
}

describe('largestRemainder / feedMixFromFractions', () => {
  it.each([
    [[0.7, 0.2, 0.1], [70, 20, 10]],
    [[1 / 3, 1 / 3, 1 / 3], [34, 33, 33]],
    [[0.3333333333333333, 0.3333333333333333, 0.3333333333333334], [34, 33, 33]],
    [[0.29, 0.71, 0], [29, 71, 0]],
    [[0.005, 0.005, 0.99], [1, 0, 99]],
    [[0.125, 0.125, 0.75], [13, 12, 75]],
    [[1, 0, 0], [100, 0, 0]],
    [[0.6665, 0.3335, 0], [67, 33, 0]],
  ])('%j → %j (always summing to 100)', (weights, expected) => {
    const out = largestRemainder(weights)
    expect(out).toEqual(expected)
    expect(out.reduce((a, b) => a + b, 0)).toBe(100)
  })

  it.each([
    [{ own: 0.7, parent: 0.2, global: 0.1 }, { ok: true, value: { own: 70, parent: 20, global: 10 } }],
    [{ own: 0.9995, parent: 0, global: 0 }, { ok: true, value: { own: 100, parent: 0, global: 0 } }],
    [{ own: 0.5, parent: 0.3, global: 0.1 }, { ok: false, error: 'feed mix 0.5/0.3/0.1 sums to 0.9, not 1' }],
    [{ own: 1.5, parent: -0.5, global: 0 }, { ok: false, error: 'feed mix 1.5/-0.5/0 is not three fractions from 0 to 1' }],
    [{ own: null, parent: 0, global: 1 }, { ok: false, error: 'feed mix NULL/0/1 is not three fractions from 0 to 1' }],
  ])('%j', (mix, expected) => {
    expect(feedMixFromFractions(mix)).toEqual(expected)
  })
})

describe('small mappings', () => {
  it.each([
    ['theme', 'theme'],
    ['community', 'community'],
    ['graduated', 'graduated'],
    [' Community ', 'community'],
  ])('stage %j → %s', (old, stage) => expect(mapStage(old)).toEqual({ ok: true, value: stage }))
  it('refuses an unknown stage', () => expect(mapStage('archived')).toEqual({ ok: false, error: 'unknown stage "archived"' }))
  it('converts unix seconds, refusing implausible ones', () => {
    expect(isoFromSeconds(1759571200)).toBe('2025-10-04T09:46:40.000Z')
    expect(isoFromSeconds(null)).toBeUndefined()
    expect(isoFromSeconds(1e15)).toBeUndefined()
  })
  it('builds the web app route /community/<did>/<rkey>', () => {
    expect(joinLink('https://x.example', alice, '3kabc')).toBe(`https://x.example/community/${alice}/3kabc`)
    expect(joinLink(undefined, 'did:web:localhost%3A2583', 'self')).toBe('/community/did:web:localhost%253A2583/self')
  })
  it('orders parents first and cuts cycles', () => {
    const parents: Record<string, string | null> = { c: 'b', b: 'a', a: null, x: 'y', y: 'x', z: 'outside' }
    const { order, cut } = orderParentsFirst(['c', 'x', 'b', 'a', 'y', 'z'], (id) => parents[id] ?? null)
    expect(order.indexOf('a')).toBeLessThan(order.indexOf('b'))
    expect(order.indexOf('b')).toBeLessThan(order.indexOf('c'))
    expect(order).toHaveLength(6)
    expect([...cut]).toEqual(['y'])
  })
})

describe('selectActions: the moderation still in force', () => {
  const dump = fixture('canonical.sql')
  it.each([
    // Design Community: the hidden spam post (reason from its log), a post hidden only in the log (purged
    // from post_index), and the spammer blocked in both feeds (one community block, the later reason).
    // The troll's block in its feed was lifted (log unblock, no row): not carried. The 'reported' post stays visible.
    ['0b6f8c1e-3f7a-4c2e-9d1b-2a5e7f9c4d10', [
      ['hide_post', `at://${did('spammer')}/app.bsky.feed.post/3k2spam`, 'Spam; reported by mod@example.com', 'post_index'],
      ['hide_post', `at://${did('troll')}/app.bsky.feed.post/3k2old`, 'Off topic\nplease stay on topic', 'moderation_logs'],
      ['block_user', did('spammer'), 'Spam again, it\'s "promo"', 'feed_blocklist'],
    ]],
    // Pixel Art: the rude post was hidden then unhidden (approved: nothing); the worse one is hidden without a log.
    ['5d2a9e47-1c3b-4f6d-8e0a-9b7c6d5e4f32', [
      ['hide_post', `at://${did('troll')}/app.bsky.feed.post/3k2worse`, undefined, 'post_index'],
      ['block_user', did('troll'), 'Appeals: call +1 415 555 0100', 'feed_blocklist'],
    ]],
  ])('community %s', (id, expected) => {
    expect(selectActions(dump, id).map((a) => [a.action, a.target, a.reason, a.source])).toEqual(expected)
  })
})

describe('planMigration', () => {
  it('plans the canonical export: own communities parents first, the rest skipped', () => {
    const p = plan(fixture('canonical.sql'))
    expect(p.communities.map((c) => c.oldName)).toEqual(['Design Community', 'Pixel Art'])
    expect(p.skipped).toEqual([
      { oldId: 'c7e1d2f3-4a5b-4c6d-9e8f-0a1b2c3d4e5f', oldName: 'Old Club', owners: [did('dave')], why: `owned by ${did('dave')}` },
      { oldId: 'e4d3c2b1-0a9f-4e8d-7c6b-5a4f3e2d1c0b', oldName: 'Closed Corner', owners: [alice], why: 'closed (archived) in the old service' },
    ])
    const [design, pixel] = p.communities as [(typeof p.communities)[0], (typeof p.communities)[0]]
    expect(design.uri).toBe(`at://${alice}/${NSID.config}/3kaaaaaaaaa22`)
    expect(design.id).toBe(communityIdOf(design.uri))
    expect(design.hashtag).toBe(hashtagOf(design.id))
    expect(design.oldHashtags).toEqual(['#atr_5e6f7a8b', '#atr_a1b2c3d4'])
    expect(design.record).toEqual({
      $type: NSID.config, name: 'Design Community', description: 'Designers sharing work & "feedback"; critique welcome', hashtag: design.hashtag,
      stage: 'theme', feedMix: { own: 70, parent: 20, global: 10 }, moderators: [did('bob')], createdAt: '2025-10-04T09:46:40.000Z',
      migratedFrom: '0b6f8c1e-3f7a-4c2e-9d1b-2a5e7f9c4d10',
    })
    // The marker is an unknown extra field: the service's own validation still accepts the record.
    expect(validateConfig(design.uri, design.record).ok).toBe(true)
    expect(design.members).toEqual([did('carol'), did('erin')])
    expect(design.joinLink).toBe(`https://feeds.example.com/community/${alice}/3kaaaaaaaaa22`)
    expect(pixel.record).toMatchObject({ parentCommunity: design.uri, stage: 'community', feedMix: { own: 34, parent: 33, global: 33 }, moderators: [did('erin')], description: "Sub-community of Design.\nSecond line; it's multi-line." })
    expect(pixel.members).toEqual([did('carol')])

    // Reasons failing SPEC §8 are dropped, not the actions.
    const spamHide = design.actions.find((a) => a.target.endsWith('3k2spam'))!
    expect(spamHide.record).toEqual({ $type: NSID.action, action: 'hide_post', target: spamHide.target, community: design.uri, createdAt: '2025-10-04T10:51:40.000Z', migratedFrom: design.oldId })
    expect(validateAction(spamHide.record).ok).toBe(true)
    expect(design.warnings).toContain(`the reason of hide_post ${spamHide.target} was dropped, the action kept: reason contains an e-mail address; moderation actions are public records`)
    expect(pixel.actions.find((a) => a.action === 'block_user')!.record).not.toHaveProperty('reason')
    expect(pixel.warnings).toContain(`the reason of block_user ${did('troll')} was dropped, the action kept: reason contains a phone number; moderation actions are public records`)
    // An action without a known time is dated by the run.
    expect(pixel.actions.find((a) => a.target.endsWith('3k2worse'))!.record.createdAt).toBe('2026-01-01T00:00:00.000Z')
    expect(design.actions.find((a) => a.target.endsWith('3k2old'))!.record.reason).toBe('Off topic\nplease stay on topic')
  })

  it('plans the dev-seed export: a bad feed mix warns and defaults; a parent owned by someone else is left out', () => {
    const p = plan(fixture('dev-seed.sql'))
    expect(p.communities.map((c) => c.oldId)).toEqual(['comm-anime-lovers', 'comm-anime-seasonal', 'comm-tech-ai', 'comm-broken-mix'])
    const [lovers, seasonal, ai, broken] = p.communities
    expect(seasonal!.record).toMatchObject({ parentCommunity: lovers!.uri, feedMix: { own: 34, parent: 33, global: 33 } })
    expect(seasonal!.oldHashtags).toEqual(['#atr_e5f6g7h8'])
    expect(ai!.record).not.toHaveProperty('parentCommunity')
    expect(ai!.warnings[0]).toBe(`its parent Tech Talk (comm-tech) is owned by ${did('dave')} and is not migrated by you; it is written without a parent (set one later: atrarium community update <id> --parent <config AT-URI>)`)
    expect(broken!.record!.feedMix).toEqual({ own: 100, parent: 0, global: 0 })
    expect(broken!.warnings).toEqual(['feed mix 0.5/0.3/0.1 sums to 0.9, not 1: it becomes the default 100/0/0'])
    expect(seasonal!.actions.map((a) => [a.action, a.record.reason])).toEqual([['hide_post', undefined]])
    expect(p.skipped.map((s) => s.oldId)).toEqual(['comm-tech'])
  })

  it('skips what an earlier run wrote and keeps it as the parent of what is new', () => {
    const dump = fixture('canonical.sql')
    const first = plan(dump)
    const design = first.communities[0]!
    const second = plan(dump, {
      newRkey: () => '3kbbbbbbbbb22',
      existing: new Map([[design.oldId, design.uri]]),
      existingActions: new Set([actionKey(design.uri, 'block_user', did('spammer'))]),
    })
    const [d2, p2] = second.communities
    expect(d2).toMatchObject({ status: 'already migrated', uri: design.uri, id: design.id, hashtag: design.hashtag })
    expect(d2!.record).toBeUndefined()
    expect(d2!.actions.map((a) => [a.action, a.done])).toEqual([
      ['hide_post', false],
      ['hide_post', false],
      ['block_user', true],
    ])
    expect(p2!.status).toBe('new')
    expect(p2!.record!.parentCommunity).toBe(design.uri)
  })

  it('plans nothing for someone who owns nothing, saying so', () => {
    const r = planMigration({ dump: fixture('canonical.sql'), owner: did('nobody'), newRkey: () => '3kaaaaaaaaa22', now: '2026-01-01T00:00:00.000Z' })
    expect(r.ok && r.value.communities).toEqual([])
    expect(r.ok && r.value.notes).toEqual([`none of the 4 communities in the export is owned by ${did('nobody')}`])
  })

  it('refuses the whole plan when one community cannot be written (nothing is written then)', () => {
    const dump = fixture('canonical.sql')
    dump.communities[1] = { ...dump.communities[1]!, name: '' }
    const r = planMigration({ dump, owner: alice, newRkey: () => '3kaaaaaaaaa22', now: '2026-01-01T00:00:00.000Z' })
    expect(r.ok).toBe(false)
    expect(!r.ok && r.error).toMatch(/^community {2}\(0b6f8c1e-3f7a-4c2e-9d1b-2a5e7f9c4d10\) cannot be migrated: .*name/)
  })
})
