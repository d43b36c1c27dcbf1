import { isValidTid } from '@atproto/syntax'
import { describe, expect, it } from 'vitest'
import { communityIdOf, configUriOf, hashtagOf } from '../core/community-id.js'
import { NSID } from '../core/nsid.js'
import type { CommunityConfig } from '../core/records.js'
import { nextTid } from './tid.js'
import { buildActionRecord } from './action-record.js'
import { applyConfigChanges, buildConfigRecord, hasChanges, type ConfigChanges } from './config-record.js'
import { buildFeedGeneratorRecord } from './feed-generator-record.js'
import { parseFeedMix, parseStage } from './feed-mix.js'
import { buildMembershipRecord, claimedRole } from './membership-record.js'

const OWNER = 'did:plc:owner'
const BOB = 'did:plc:bob'
const RKEY = '3jzfcijpj2z2a'
const URI = configUriOf(OWNER, RKEY)
const PARENT = configUriOf('did:plc:other', RKEY)
const AT = '2026-01-01T00:00:00.000Z'
const POST = `at://${BOB}/${NSID.post}/${RKEY}`

describe('--feed-mix', () => {
  it.each([
    ['100,0,0', { own: 100, parent: 0, global: 0 }],
    ['50, 25, 25', { own: 50, parent: 25, global: 25 }],
    ['0,0,100', { own: 0, parent: 0, global: 100 }],
  ])('%s is accepted', (text, mix) => expect(parseFeedMix(text)).toEqual({ ok: true, value: mix }))

  it.each(['80,30,0', '0.8,0.2,0', '100,0', '50,50,0,0', '-10,60,50', '101,0,-1', 'a,b,c', ''])('%s is refused with the rule', (text) =>
    expect(parseFeedMix(text)).toEqual({ ok: false, error: `feedMix must be three integers 0–100 that sum to 100, got ${text}` }),
  )

  it('stage is one of three', () => {
    expect(parseStage('graduated').ok).toBe(true)
    expect(parseStage('beta')).toEqual({ ok: false, error: 'stage must be one of theme, community, graduated, got beta' })
  })
})

describe('config record', () => {
  it('derives the hashtag from the final AT-URI and defaults what the lexicon requires', () => {
    const built = buildConfigRecord({ ownerDid: OWNER, rkey: RKEY, name: 'Birds', moderators: [BOB, BOB], createdAt: AT })
    expect(built).toEqual({
      ok: true,
      value: {
        uri: URI,
        id: communityIdOf(URI),
        hashtag: hashtagOf(communityIdOf(URI)),
        record: { $type: NSID.config, name: 'Birds', hashtag: hashtagOf(communityIdOf(URI)), stage: 'theme', feedMix: { own: 100, parent: 0, global: 0 }, moderators: [BOB], createdAt: AT },
      },
    })
  })

  it.each([
    [{ name: '' }, /name/],
    [{ name: 'x'.repeat(101) }, /name/],
    [{ moderators: ['alice'] }, /moderators/],
    [{ moderators: Array.from({ length: 51 }, (_, i) => `did:plc:m${i}`) }, /moderators/],
    [{ parentCommunity: URI }, /must not be the community itself/],
  ])('refuses %j', (fields, error) => {
    const built = buildConfigRecord({ ownerDid: OWNER, rkey: RKEY, name: 'Birds', createdAt: AT, ...fields })
    expect(built.ok).toBe(false)
    if (!built.ok) expect(built.error).toMatch(error)
  })

  const current = { $type: NSID.config, name: 'Birds', hashtag: hashtagOf(communityIdOf(URI)), stage: 'theme', moderators: [BOB], createdAt: AT, parentCommunity: PARENT, extra: 'kept' }
  it.each<[string, ConfigChanges, Record<string, unknown>]>([
    ['adds a moderator once', { addModerators: ['did:plc:carol', BOB] }, { moderators: [BOB, 'did:plc:carol'] }],
    ['removes a moderator', { removeModerators: [BOB] }, { moderators: [] }],
    ['sets the feed mix', { feedMix: { own: 50, parent: 50, global: 0 } }, { feedMix: { own: 50, parent: 50, global: 0 } }],
    ['renames and restages', { name: 'Raptors', stage: 'graduated' }, { name: 'Raptors', stage: 'graduated' }],
    ['asks for approval', { membership: 'approval' }, { membership: 'approval' }],
    ['pins posts, each once', { pinnedPosts: [POST, POST] }, { pinnedPosts: [POST] }],
    ['takes adult content', { allowAdult: true }, { contentPolicy: { allowAdult: true } }],
  ])('update %s, keeping unknown fields', (_, changes, expected) => {
    const next = applyConfigChanges(URI, current, changes)
    expect(next.ok && next.value).toMatchObject({ ...expected, extra: 'kept', hashtag: current.hashtag })
  })

  it('update removes the parent with null and refuses an invalid result', () => {
    const next = applyConfigChanges(URI, current, { parentCommunity: null })
    expect(next.ok && 'parentCommunity' in next.value).toBe(false)
    expect(applyConfigChanges(URI, current, { name: '' }).ok).toBe(false)
    expect(hasChanges({ addModerators: [], removeModerators: [] })).toBe(false)
    expect(hasChanges({ parentCommunity: null })).toBe(true)
    expect(hasChanges({ pinnedPosts: [] })).toBe(true)
    const gated = applyConfigChanges(URI, { ...current, membership: 'approval', pinnedPosts: [POST] }, { membership: 'open', pinnedPosts: [] })
    expect(gated.ok && ['membership' in gated.value, 'pinnedPosts' in gated.value]).toEqual([false, false])
    expect(applyConfigChanges(URI, current, { pinnedPosts: [BOB] }).ok).toBe(false)
  })
})

describe('membership, action and feed records', () => {
  const config = { moderators: [BOB] } as unknown as CommunityConfig
  it.each([[OWNER, 'owner'], [BOB, 'moderator'], ['did:plc:carol', 'member']])('%s claims %s', (did, role) =>
    expect(claimedRole(did, OWNER, config)).toBe(role),
  )

  it('builds a valid membership', () => {
    expect(buildMembershipRecord(URI, 'member', AT)).toEqual({ ok: true, value: { $type: NSID.membership, community: URI, role: 'member', joinedAt: AT, active: true } })
    expect(buildMembershipRecord('at://did:plc:x/app.bsky.feed.post/1', 'member', AT).ok).toBe(false)
  })

  it.each([
    ['hide_post', POST, undefined, null],
    ['block_user', BOB, 'spam', null],
    ['hide_post', BOB, undefined, /must be a post AT-URI/],
    ['block_user', POST, undefined, /must be a DID/],
    ['hide_post', POST, 'write to me: mod@example.com', /^refusing to write this action: reason contains an e-mail address; moderation actions are public records$/],
    ['block_user', BOB, 'call +44 20 7946 0958', /phone number/],
  ] as const)('%s %s reason %j', (action, target, reason, error) => {
    const built = buildActionRecord({ action, target, community: URI, createdAt: AT, ...(reason ? { reason } : {}) })
    if (error === null) expect(built).toEqual({ ok: true, value: { $type: NSID.action, action, target, community: URI, createdAt: AT, ...(reason ? { reason } : {}) } })
    else expect(!built.ok && built.error).toMatch(error)
  })

  it('feed generator: service DID, display name shortened to 24 graphemes', () => {
    const built = buildFeedGeneratorRecord({ serviceDid: 'did:web:feeds.example.com', displayName: 'A very long community name indeed', createdAt: AT })
    expect(built.ok && built.value).toEqual({ $type: NSID.feedGenerator, did: 'did:web:feeds.example.com', displayName: 'A very long community n…', contentMode: 'app.bsky.feed.defs#contentModeUnspecified', acceptsInteractions: true, createdAt: AT })
    expect(buildFeedGeneratorRecord({ serviceDid: 'feeds.example.com', displayName: 'x', createdAt: AT }).ok).toBe(false)
  })

  it('TIDs are valid and strictly increasing, even within one microsecond', () => {
    const tids = Array.from({ length: 100 }, () => nextTid(1_700_000_000_000_000))
    for (const t of tids) expect(isValidTid(t)).toBe(true)
    expect([...tids].sort()).toEqual(tids)
    expect(new Set(tids).size).toBe(100)
  })
})
