import { describe, expect, it } from 'vitest'
import { buildConfigRecord } from '../../../src/records/config-record.js'
import { parseFeedMix } from '../../../src/records/feed-mix.js'
import { fieldOf } from './field-errors.js'

const FIELDS = ['name', 'description', 'stage', 'parentCommunity', 'feedMix', 'moderators'] as const
const base = { ownerDid: 'did:plc:ewvi7nxzyoun6zhxrhs64oiz', rkey: '3kxyz2abcde22', name: 'Birds', createdAt: '2026-11-29T00:00:00.000Z' }

// The form places each message the shared validators give next to the field it is about.
describe('fieldOf', () => {
  it.each<[string, Parameters<typeof buildConfigRecord>[0], string]>([
    ['an empty name', { ...base, name: '' }, 'name'],
    ['a name of 101 graphemes', { ...base, name: 'x'.repeat(101) }, 'name'],
    ['a description of 501 graphemes', { ...base, description: 'x'.repeat(501) }, 'description'],
    ['a parent that is not a config URI', { ...base, parentCommunity: 'https://example.com' }, 'parentCommunity'],
    ['a moderator that is not a DID', { ...base, moderators: ['alice.test'] }, 'moderators'],
  ])('%s', (_name, input, field) => {
    const r = buildConfigRecord(input)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(fieldOf(r.error, FIELDS)).toBe(field)
  })

  it('a feed mix that does not sum to 100', () => {
    const r = parseFeedMix('50,20,20')
    expect(r.ok).toBe(false)
    if (!r.ok) expect(fieldOf(r.error, FIELDS)).toBe('feedMix')
  })
})
