import { describe, expect, it } from 'vitest'
import { eachCommunity } from './community-pages.js'
import type { CommunityPageQuery, StoredConfig } from './store.js'

const config = (i: number, owner = 'did:plc:a'): StoredConfig => ({
  uri: `at://${owner}/net.atrarium.community.config/${i}`, id: i.toString(16).padStart(8, '0'), owner,
  config: { name: `c${i}`, hashtag: '', stage: 'theme', feedMix: { own: 100, parent: 0, global: 0 }, moderators: [], createdAt: '' },
})

describe('eachCommunity', () => {
  it.each([0, 1, 99, 100, 101, 250])('reads %i communities in pages of 100, each once, in order', (n) => {
    const all = Array.from({ length: n }, (_, i) => config(i, i % 2 ? 'did:plc:b' : 'did:plc:a'))
    const asked: CommunityPageQuery[] = []
    const store = {
      communitiesPage: (q: CommunityPageQuery) => {
        asked.push(q)
        return all.filter((c) => (q.owner === undefined || c.owner === q.owner) && (!q.after || c.id > q.after.id)).slice(0, q.limit)
      },
    }
    expect([...eachCommunity(store)].map((c) => c.id)).toEqual(all.map((c) => c.id))
    expect(asked.every((q) => q.limit === 100)).toBe(true)
    expect([...eachCommunity(store, 'did:plc:b')].map((c) => c.owner)).toEqual(all.filter((c) => c.owner === 'did:plc:b').map((c) => c.owner))
  })
})
