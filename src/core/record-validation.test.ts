import { Lexicons, parseLexiconDoc } from '@atproto/lexicon'
import { isAtUriString } from '@atproto/syntax'
import { describe, expect, it } from 'vitest'
import { interopJson, syntaxVectors } from '../../test/helpers/interop.js'
import { communityIdOf, configUriOf, hashtagOf } from './community-id.js'
import { LEXICON_DOCS } from './lexicon-docs.js'
import { NSID } from './nsid.js'
import {
  isConfigUri,
  validateAction,
  validateConfig,
  validateMembership,
} from './record-validation.js'
import { DEFAULT_FEED_MIX } from './records.js'

const OWNER = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz'
const MOD_A = 'did:plc:44ybard66vv44zksje25o7dz'
const MOD_B = 'did:web:example.com'
const MOD_C = 'did:plc:vwzwgnygau7ed7b7wt5ux7y2'
const CONFIG_URI = configUriOf(OWNER, '3jzfcijpj2z2a')
const OTHER_CONFIG_URI = configUriOf(MOD_A, '3k2j4xyzabc22')
const HASHTAG = hashtagOf(communityIdOf(CONFIG_URI))
const POST_URI = `at://${MOD_B}/${NSID.post}/3k2la3bnwfs2s`
const DATETIME = '2024-01-15T12:30:00.000Z'
const FAMILY = '👨‍👩‍👧‍👧' // one grapheme, 7 code points, 25 UTF-8 bytes

type Patch = Record<string, unknown>

/** Shallow merge; a patch value of `undefined` removes the key. */
function patched(base: Record<string, unknown>, patch: Patch): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base, ...patch }
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete out[k]
  return out
}

const baseConfig = (): Record<string, unknown> => ({
  $type: NSID.config,
  name: 'TypeScript Enthusiasts',
  description: 'All things TypeScript',
  hashtag: HASHTAG,
  stage: 'theme',
  parentCommunity: OTHER_CONFIG_URI,
  feedMix: { own: 80, parent: 15, global: 5 },
  moderators: [MOD_A, MOD_B],
  createdAt: DATETIME,
})
const config = (patch: Patch = {}) => patched(baseConfig(), patch)

const dids = (n: number) => Array.from({ length: n }, (_, i) => `did:plc:moderator${i}`)

describe('validateConfig', () => {
  it('returns the typed config with only known fields', () => {
    expect(validateConfig(CONFIG_URI, config({ extra: 'ignored' }))).toEqual({
      ok: true,
      value: {
        name: 'TypeScript Enthusiasts',
        description: 'All things TypeScript',
        hashtag: HASHTAG,
        stage: 'theme',
        parentCommunity: OTHER_CONFIG_URI,
        feedMix: { own: 80, parent: 15, global: 5 },
        moderators: [MOD_A, MOD_B],
        createdAt: DATETIME,
      },
    })
  })

  it('omits absent optional fields and defaults feedMix to {100, 0, 0}', () => {
    const result = validateConfig(
      CONFIG_URI,
      config({ feedMix: undefined, description: undefined, parentCommunity: undefined }),
    )
    expect(result).toEqual({
      ok: true,
      value: {
        name: 'TypeScript Enthusiasts',
        hashtag: HASHTAG,
        stage: 'theme',
        feedMix: DEFAULT_FEED_MIX,
        moderators: [MOD_A, MOD_B],
        createdAt: DATETIME,
      },
    })
  })

  const accepted: Array<[string, Patch, Patch?]> = [
    ['stage community', { stage: 'community' }],
    ['stage graduated', { stage: 'graduated' }],
    ['feedMix all parent', { feedMix: { own: 0, parent: 100, global: 0 } }],
    ['feedMix all global', { feedMix: { own: 0, parent: 0, global: 100 } }],
    [
      'integer-like JSON numbers (80.0)',
      { feedMix: JSON.parse('{"own": 80.0, "parent": 20.0, "global": 0.0}') },
    ],
    ['name of 1 grapheme', { name: 'x' }],
    ['name of 100 ASCII graphemes', { name: 'a'.repeat(100) }],
    ['name of 100 multi-codepoint emoji (2500 bytes)', { name: FAMILY.repeat(100) }],
    ['description of 500 graphemes', { description: 'd'.repeat(500) }],
    ['empty description', { description: '' }],
    ['no moderators', { moderators: [] }],
    ['50 moderators', { moderators: dids(50) }],
    ['unknown top-level fields', { labels: { values: [] }, futureField: 42 }],
    [
      'unknown fields inside feedMix (dropped from the result)',
      { feedMix: { own: 50, parent: 25, global: 25, extra: 1 } },
      { feedMix: { own: 50, parent: 25, global: 25 } },
    ],
    ['createdAt with offset', { createdAt: '1985-04-12T23:20:50.123+01:45' }],
  ]
  it.each(accepted)('accepts %s', (_name, patch, resultPatch) => {
    const result = validateConfig(CONFIG_URI, config(patch))
    expect(result.ok, JSON.stringify(result)).toBe(true)
    if (result.ok) {
      const expected = patched(config(patch), resultPatch ?? {})
      for (const key of ['name', 'stage', 'feedMix', 'moderators', 'createdAt', 'description']) {
        expect(result.value[key as keyof typeof result.value]).toEqual(expected[key])
      }
      expect(result.value).not.toHaveProperty('$type')
      expect(result.value).not.toHaveProperty('futureField')
    }
  })

  const dupes: Array<[string, string[], string[]]> = [
    ['repeated DID', [MOD_A, MOD_B, MOD_A, MOD_C, MOD_B], [MOD_A, MOD_B, MOD_C]],
    ['all the same', [MOD_C, MOD_C, MOD_C], [MOD_C]],
    ['50 entries, 2 distinct', [...Array(25).fill(MOD_B), ...Array(25).fill(MOD_A)], [MOD_B, MOD_A]],
  ]
  it.each([
    ['absent (open)', {}, undefined],
    ['open', { membership: 'open' }, undefined],
    ['approval', { membership: 'approval' }, 'approval'],
  ])('membership %s → %s', (_n, patch, membership) => {
    const result = validateConfig(CONFIG_URI, config(patch))
    expect(result.ok).toBe(true)
    expect(result.ok && result.value.membership).toBe(membership)
  })

  it.each(['closed', '', 'APPROVAL', 1])('refuses membership %j', (membership) => {
    const result = validateConfig(CONFIG_URI, config({ membership }))
    expect(result.ok).toBe(false)
  })

  it.each(dupes)('collapses duplicate moderators in first-seen order: %s', (_n, input, expected) => {
    const result = validateConfig(CONFIG_URI, config({ moderators: input }))
    expect(result).toMatchObject({ ok: true, value: { moderators: expected } })
  })

  const rejected: Array<[string, unknown, string | RegExp]> = [
    ['a float share', config({ feedMix: { own: 0.8, parent: 0.15, global: 0.05 } }), 'feedMix/own must be an integer'],
    ['floats that sum to 100', config({ feedMix: { own: 80.5, parent: 14.5, global: 5 } }), 'feedMix/own must be an integer'],
    ['feedMix sum 90', config({ feedMix: { own: 80, parent: 5, global: 5 } }), 'feedMix must sum to 100 (got 90)'],
    ['feedMix sum 110', config({ feedMix: { own: 100, parent: 10, global: 0 } }), 'feedMix must sum to 100 (got 110)'],
    ['feedMix all zero', config({ feedMix: { own: 0, parent: 0, global: 0 } }), 'feedMix must sum to 100 (got 0)'],
    ['feedMix share over 100', config({ feedMix: { own: 101, parent: -1, global: 0 } }), /feedMix\/own/],
    ['feedMix negative share', config({ feedMix: { own: 90, parent: 20, global: -10 } }), /feedMix\/global/],
    ['feedMix missing a share', config({ feedMix: { own: 100, parent: 0 } }), /feedMix must have the property "global"/],
    ['feedMix share as string', config({ feedMix: { own: '100', parent: 0, global: 0 } }), /feedMix\/own must be an integer/],
    ['feedMix as 0-1 fractions', config({ feedMix: { own: 1, parent: 0, global: 0 } }), 'feedMix must sum to 100 (got 1)'],
    [
      "hashtag of another community (hash-collision claim)",
      config({ hashtag: hashtagOf(communityIdOf(OTHER_CONFIG_URI)) }),
      `hashtag "${hashtagOf(communityIdOf(OTHER_CONFIG_URI))}" does not match the derived ${HASHTAG}`,
    ],
    ['hashtag without #', config({ hashtag: HASHTAG.slice(1) }), /does not match the derived/],
    ['hashtag in upper case', config({ hashtag: HASHTAG.toUpperCase() }), /does not match the derived/],
    ['hashtag derived from the rkey', config({ hashtag: '#atrarium_3jzfcijp' }), /does not match the derived/],
    ['name of 0 graphemes', config({ name: '' }), 'name must not be shorter than 1 graphemes'],
    ['name of 101 graphemes', config({ name: 'a'.repeat(101) }), 'name must not be longer than 100 graphemes'],
    ['name of 101 emoji', config({ name: FAMILY.repeat(101) }), /name must not be longer than/],
    ['name not a string', config({ name: 42 }), 'name must be a string'],
    ['description of 501 graphemes', config({ description: 'd'.repeat(501) }), 'description must not be longer than 500 graphemes'],
    ['stage not in enum', config({ stage: 'archived' }), /stage must be one of/],
    ['stage in wrong case', config({ stage: 'Theme' }), /stage must be one of/],
    ['51 moderators', config({ moderators: dids(51) }), 'moderators must not have more than 50 elements'],
    ['51 moderators even if only 1 distinct', config({ moderators: Array(51).fill(MOD_A) }), /moderators must not have more than 50/],
    ['invalid DID in moderators', config({ moderators: [MOD_A, 'not-a-did'] }), 'moderators/1 must be a valid did'],
    ['handle in moderators', config({ moderators: ['alice.bsky.social'] }), 'moderators/0 must be a valid did'],
    ['moderators not an array', config({ moderators: MOD_A }), 'moderators must be an array'],
    ['parentCommunity is a post URI', config({ parentCommunity: POST_URI }), /parentCommunity must be a community config AT-URI/],
    ['parentCommunity with a handle', config({ parentCommunity: `at://alice.bsky.social/${NSID.config}/3jzfcijpj2z2a` }), /parentCommunity must be a community config AT-URI/],
    ['parentCommunity without rkey', config({ parentCommunity: `at://${OWNER}/${NSID.config}` }), /parentCommunity must be a community config AT-URI/],
    ['parentCommunity not an AT-URI', config({ parentCommunity: 'https://example.com/' }), 'parentCommunity must be a valid at-uri'],
    ['parentCommunity is the config itself', config({ parentCommunity: CONFIG_URI }), 'parentCommunity must not be the community itself'],
    ['missing $type', config({ $type: undefined }), '$type must be a string'],
    ['wrong $type', config({ $type: NSID.membership }), /Invalid \$type: must be lex:net\.atrarium\.community\.config, got net\.atrarium\.community\.membership/],
    ['missing name', config({ name: undefined }), 'must have the property "name"'],
    ['missing hashtag', config({ hashtag: undefined }), 'must have the property "hashtag"'],
    ['missing stage', config({ stage: undefined }), 'must have the property "stage"'],
    ['missing moderators', config({ moderators: undefined }), 'must have the property "moderators"'],
    ['missing createdAt', config({ createdAt: undefined }), 'must have the property "createdAt"'],
    ['createdAt without time', config({ createdAt: '2024-01-15' }), 'createdAt must be a valid atproto datetime (got "2024-01-15")'],
    ['createdAt without timezone', config({ createdAt: '2024-01-15T12:30:00' }), /createdAt must be a valid atproto datetime/],
    ['createdAt not a string', config({ createdAt: 1705321800000 }), 'createdAt must be a string'],
    ['null', null, 'record must be an object'],
    ['an array', [config()], 'record must be an object'],
    ['a string', 'config', 'record must be an object'],
  ]
  it.each(rejected)('rejects %s', (_name, value, message) => {
    const result = validateConfig(CONFIG_URI, value)
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error.startsWith(`${NSID.config}: `), result.error).toBe(true)
      if (typeof message === 'string') expect(result.error).toContain(message)
      else expect(result.error).toMatch(message)
    }
  })

  const badUris: string[] = [
    `at://alice.bsky.social/${NSID.config}/3jzfcijpj2z2a`,
    `at://${OWNER}/${NSID.membership}/3jzfcijpj2z2a`,
    `at://${OWNER}/${NSID.config}`,
    `${CONFIG_URI}/`,
    `${CONFIG_URI}#/name`,
    'not a uri',
  ]
  it.each(badUris)('rejects a config read at a non-config URI %j', (uri) => {
    const value = config({ hashtag: hashtagOf(communityIdOf(uri)) })
    expect(validateConfig(uri, value)).toEqual({
      ok: false,
      error: expect.stringContaining('is not of the form at://<did>/net.atrarium.community.config/<rkey>'),
    })
  })

  it('derives the hashtag from the URI it is given, so the same record is valid at one URI only', () => {
    const value = config({ parentCommunity: undefined })
    expect(validateConfig(CONFIG_URI, value).ok).toBe(true)
    expect(validateConfig(OTHER_CONFIG_URI, value).ok).toBe(false)
  })
})

const baseMembership = (): Record<string, unknown> => ({
  $type: NSID.membership,
  community: CONFIG_URI,
  role: 'member',
  joinedAt: DATETIME,
  active: true,
})
const membership = (patch: Patch = {}) => patched(baseMembership(), patch)

describe('validateMembership', () => {
  const accepted: Array<[string, Patch]> = [
    ['member', {}],
    ['owner', { role: 'owner' }],
    ['moderator', { role: 'moderator' }],
    ['inactive', { active: false }],
    ['unknown fields', { note: 'hi', via: { uri: POST_URI } }],
  ]
  it.each(accepted)('accepts %s', (_name, patch) => {
    const value = membership(patch)
    expect(validateMembership(value)).toEqual({
      ok: true,
      value: { community: CONFIG_URI, role: value.role, joinedAt: DATETIME, active: value.active },
    })
  })

  const rejected: Array<[string, Patch, string | RegExp]> = [
    ['role not in enum', { role: 'admin' }, /role must be one of/],
    ['community is a post URI', { community: POST_URI }, /community must be a community config AT-URI/],
    ['community is a membership URI', { community: `at://${OWNER}/${NSID.membership}/3jzfcijpj2z2a` }, /community must be a community config AT-URI/],
    ['community with a handle', { community: `at://alice.bsky.social/${NSID.config}/3jzfcijpj2z2a` }, /community must be a community config AT-URI/],
    ['community is a bare community id', { community: communityIdOf(CONFIG_URI) }, 'community must be a valid at-uri'],
    ['active as a string', { active: 'true' }, 'active must be a boolean'],
    ['active as a number', { active: 1 }, 'active must be a boolean'],
    ['active missing', { active: undefined }, 'must have the property "active"'],
    ['joinedAt invalid', { joinedAt: '2024-01-15 12:30:00Z' }, /joinedAt must be a valid atproto datetime/],
    ['wrong $type', { $type: NSID.config }, /Invalid \$type/],
  ]
  it.each(rejected)('rejects %s', (_name, patch, message) => {
    const result = validateMembership(membership(patch))
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error.startsWith(`${NSID.membership}: `), result.error).toBe(true)
      if (typeof message === 'string') expect(result.error).toContain(message)
      else expect(result.error).toMatch(message)
    }
  })
})

const action = (patch: Patch = {}) =>
  patched(
    {
      $type: NSID.action,
      action: 'hide_post',
      target: POST_URI,
      community: CONFIG_URI,
      reason: 'Off-topic',
      createdAt: DATETIME,
    },
    patch,
  )

describe('validateAction', () => {
  const POST_TARGETS: Array<[string, string, boolean]> = [
    ['a post URI', POST_URI, true],
    ['a post URI with an unusual rkey', `at://${OWNER}/${NSID.post}/did:plc:x::y`, true],
    ['a DID', MOD_A, false],
    ['a config URI', CONFIG_URI, false],
    ['a post URI with a handle', `at://alice.bsky.social/${NSID.post}/3k2la3bnwfs2s`, false],
    ['a post URI with a fragment', `${POST_URI}#/text`, false],
    ['a post URI with a trailing slash', `${POST_URI}/`, false],
    ['a post collection without rkey', `at://${OWNER}/${NSID.post}`, false],
    ['an https URL', 'https://bsky.app/profile/alice.bsky.social/post/3k2la3bnwfs2s', false],
  ]
  const DID_TARGETS: Array<[string, string, boolean]> = [
    ['a did:plc', MOD_A, true],
    ['a did:web', MOD_B, true],
    ['a post URI', POST_URI, false],
    ['a handle', 'alice.bsky.social', false],
    ['an incomplete DID', 'did:plc:', false],
    ['a DID in upper case method', 'did:PLC:abc', false],
  ]
  const cases: Array<[string, string, string, boolean]> = [
    ...(['hide_post', 'unhide_post'] as const).flatMap((kind) =>
      POST_TARGETS.map(([what, target, ok]) => [kind, what, target, ok] as [string, string, string, boolean]),
    ),
    ...(['block_user', 'unblock_user', 'approve_member', 'reject_member'] as const).flatMap((kind) =>
      DID_TARGETS.map(([what, target, ok]) => [kind, what, target, ok] as [string, string, string, boolean]),
    ),
  ]
  it.each(cases)('%s with %s as target → valid: %s', (kind, _what, target, valid) => {
    const result = validateAction(action({ action: kind, target }))
    if (valid) {
      expect(result).toEqual({
        ok: true,
        value: { action: kind, target, community: CONFIG_URI, reason: 'Off-topic', createdAt: DATETIME },
      })
    } else {
      expect(result.ok).toBe(false)
      if (!result.ok) expect(result.error).toContain(`${NSID.action}: target of ${kind} must be`)
    }
  })

  it('accepts an action without reason and with unknown fields', () => {
    expect(validateAction(action({ reason: undefined, extra: true }))).toEqual({
      ok: true,
      value: { action: 'hide_post', target: POST_URI, community: CONFIG_URI, createdAt: DATETIME },
    })
  })

  it('accepts a reason of 300 graphemes', () => {
    expect(validateAction(action({ reason: FAMILY.repeat(100) + 'r'.repeat(200) })).ok).toBe(true)
  })

  const rejected: Array<[string, Patch, string | RegExp]> = [
    ['reason of 301 graphemes', { reason: 'r'.repeat(301) }, 'reason must not be longer than 300 graphemes'],
    ['reason not a string', { reason: 3 }, 'reason must be a string'],
    ['action not in enum', { action: 'delete_post' }, /action must be one of/],
    ['community is a post URI', { community: POST_URI }, /community must be a community config AT-URI/],
    ['community missing', { community: undefined }, 'must have the property "community"'],
    ['target over 8192 bytes', { target: `at://${OWNER}/${NSID.post}/${'a'.repeat(8200)}` }, /target must not be longer than 8192/],
    ['createdAt invalid', { createdAt: '1985-04-12T23:20:50.123z' }, /createdAt must be a valid atproto datetime/],
    ['missing $type', { $type: undefined }, '$type must be a string'],
  ]
  it.each(rejected)('rejects %s', (_name, patch, message) => {
    const result = validateAction(action(patch))
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error.startsWith(`${NSID.action}: `), result.error).toBe(true)
      if (typeof message === 'string') expect(result.error).toContain(message)
      else expect(result.error).toMatch(message)
    }
  })
})

describe('isConfigUri', () => {
  const table: Array<[string, boolean]> = [
    [CONFIG_URI, true],
    [configUriOf('did:web:example.com', 'self'), true],
    [configUriOf(OWNER, 'a:b'), true],
    [`at://alice.bsky.social/${NSID.config}/3jzfcijpj2z2a`, false],
    [`at://${OWNER}/${NSID.config}`, false],
    [`at://${OWNER}/${NSID.config}/`, false],
    [`at://${OWNER}/${NSID.config}/..`, false],
    [`${CONFIG_URI}/extra`, false],
    [`${CONFIG_URI}?x=1`, false],
    [`${CONFIG_URI}#/name`, false],
    [` ${CONFIG_URI}`, false],
    [`${CONFIG_URI} `, false],
    [CONFIG_URI.toUpperCase(), false],
    [POST_URI, false],
    ['', false],
  ]
  it.each(table)('%j → %s', (uri, expected) => {
    expect(isConfigUri(uri)).toBe(expected)
  })
})

describe('interop vectors (bluesky-social/atproto-interop-tests, CC0)', () => {
  const configAt = (patch: Patch) => validateConfig(CONFIG_URI, config(patch))

  describe('datetime, as config createdAt', () => {
    it.each(syntaxVectors('datetime_syntax_valid'))('accepts %j', (dt) => {
      expect(configAt({ createdAt: dt })).toMatchObject({ ok: true, value: { createdAt: dt } })
    })
    it.each(syntaxVectors('datetime_syntax_invalid'))('rejects %j', (dt) => {
      const result = configAt({ createdAt: dt })
      expect(result).toEqual({ ok: false, error: expect.stringContaining('createdAt must be a valid atproto datetime') })
    })
  })

  describe('DID, as a config moderator', () => {
    it.each(syntaxVectors('did_syntax_valid'))('accepts %j', (did) => {
      expect(configAt({ moderators: [did] })).toMatchObject({ ok: true, value: { moderators: [did] } })
    })
    it.each(syntaxVectors('did_syntax_invalid'))('rejects %j', (did) => {
      expect(configAt({ moderators: [did] })).toEqual({
        ok: false,
        error: `${NSID.config}: moderators/0 must be a valid did`,
      })
    })
  })

  describe('AT-URI, through isConfigUri', () => {
    it.each(syntaxVectors('aturi_syntax_invalid'))('never accepts invalid %j', (uri) => {
      expect(isConfigUri(uri)).toBe(false)
    })

    // None of the valid vectors names the config collection, so each is also tried with its
    // collection swapped for net.atrarium.community.config: that variant is a config URI exactly
    // when the vector has a DID authority and a record key.
    const valid = syntaxVectors('aturi_syntax_valid')
    it.each(valid)('valid %j is accepted iff it has the config shape', (uri) => {
      expect(isConfigUri(uri)).toBe(false)
      const swapped = uri.replace(/^(at:\/\/[^/]+\/)[^/]+/, `$1${NSID.config}`)
      if (swapped !== uri) {
        expect(isAtUriString(swapped)).toBe(true)
        expect(isConfigUri(swapped)).toBe(/^at:\/\/did:[^/]+\/[^/]+\/[^/]+$/.test(swapped))
      }
    })
    it('the swapped valid vectors include accepted config URIs', () => {
      const swapped = valid.map((u) => u.replace(/^(at:\/\/[^/]+\/)[^/]+/, `$1${NSID.config}`))
      expect(swapped.filter(isConfigUri).length).toBeGreaterThanOrEqual(10)
    })
  })

  describe('lexicon documents', () => {
    it('ids of the documents are the NSID constants: three records, shared defs, five queries', () => {
      expect(LEXICON_DOCS.map((d) => d.id)).toEqual([
        NSID.config, NSID.membership, NSID.action, 'net.atrarium.community.defs',
        NSID.getCommunity, NSID.listCommunities, NSID.getMembers, NSID.getPosts, NSID.getActions,
      ])
    })
    it.each(LEXICON_DOCS.map((d) => [d.id, d] as const))('%s is accepted by the lexicon parser', (_id, doc) => {
      expect(() => parseLexiconDoc(structuredClone(doc))).not.toThrow()
      expect(() => new Lexicons([structuredClone(doc)])).not.toThrow()
    })

    type Entry = { name: string; lexicon: unknown }
    const parses = (lexicon: unknown) => {
      try {
        parseLexiconDoc(structuredClone(lexicon))
        return true
      } catch {
        return false
      }
    }

    it.each(interopJson<Entry[]>('lexicon/lexicon-valid.json').map((e) => [e.name, e.lexicon] as const))(
      'parser accepts valid lexicon %j',
      (_name, lexicon) => expect(parses(lexicon)).toBe(true),
    )

    // @atproto/lexicon 0.6.2 accepts this invalid vector: it allows a named def of type "unknown".
    const LIBRARY_ACCEPTS_INVALID = ['defined unknown']
    const invalid = interopJson<Entry[]>('lexicon/lexicon-invalid.json')
    it.each(invalid.map((e) => [e.name, e.lexicon] as const))('parser verdict on invalid lexicon %j', (name, lexicon) => {
      expect(parses(lexicon)).toBe(LIBRARY_ACCEPTS_INVALID.includes(name))
    })
    it('the known library gaps are still present in the vectors', () => {
      expect(invalid.map((e) => e.name)).toEqual(expect.arrayContaining(LIBRARY_ACCEPTS_INVALID))
    })

    // `new Lexicons(docs)` does not run the schema parser, which is why lexicon-docs.ts calls
    // parseLexiconDoc itself. Of the invalid vectors, the constructor throws only on a bad id.
    it('the Lexicons constructor alone is not a document validator', () => {
      const constructs = (lexicon: unknown) => {
        try {
          new Lexicons([structuredClone(lexicon) as never])
          return true
        } catch {
          return false
        }
      }
      expect(invalid.filter((e) => !constructs(e.lexicon)).map((e) => e.name)).toEqual(['invalid id field'])
    })
  })
})
