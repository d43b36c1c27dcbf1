import { describe, expect, it } from 'vitest'
import type { Store, StoredAction, StoredConfig } from '../core/store.js'
import { DEFAULT_FEED_MIX } from '../core/records.js'
import { visibleAmong } from '../core/visible-among.js'

/**
 * One suite for the Store interface, run against every backend (SQLite file on Node,
 * Durable Object SQL on Workers), so the two cannot drift apart. Each test body runs inside
 * `withStore`, because a Durable Object's storage is only reachable inside that object.
 */
export type WithStore = (body: (store: Store) => void) => Promise<void>

export function describeStore(name: string, withStore: WithStore): void {
  const config = (id: string, owner = 'did:plc:owner'): StoredConfig => ({
    uri: `at://${owner}/net.atrarium.community.config/${id}`,
    id,
    owner,
    config: { name: id, hashtag: `#atrarium_${id}`, stage: 'theme', feedMix: DEFAULT_FEED_MIX, moderators: [], createdAt: '2026-01-01T00:00:00Z' },
  })
  const action = (uri: string, target: string, createdUs: number): StoredAction => ({
    uri, actor: 'did:plc:mod', community: 'at://c', action: 'hide_post', target,
    createdAt: new Date(createdUs / 1000).toISOString(), effectiveUs: createdUs, seenUs: createdUs,
  })
  const MOD = ['did:plc:mod']
  const post = (community: string, n: number, sortUs = 1000 + n, author = 'did:plc:a') => ({
    community, uri: `at://${author}/app.bsky.feed.post/${String(n).padStart(4, '0')}`, sortUs, hidden: false,
  })

  describe(`Store contract: ${name}`, () => {
    it('keeps cursors per source and overwrites them', () => withStore((s) => {
      expect(s.getCursor('jetstream')).toBeUndefined()
      s.setCursor('jetstream', 10)
      s.setCursor('jetstream', 20)
      s.setCursor('firehose', 5)
      expect([s.getCursor('jetstream'), s.getCursor('firehose')]).toEqual([20, 5])
    }))

    it('stores configs by uri and by id, and deletes them', () => withStore((s) => {
      const a = config('aaaaaaaa')
      s.putConfig(a)
      s.putConfig({ ...a, config: { ...a.config, name: 'renamed' } })
      expect(s.getConfig(a.uri)?.config.name).toBe('renamed')
      expect(s.communitiesWithId('aaaaaaaa').map((c) => c.uri)).toEqual([a.uri])
      s.putConfig(config('bbbbbbbb'))
      expect(s.communitiesPage({ limit: 10 }).map((c) => c.id)).toEqual(['aaaaaaaa', 'bbbbbbbb'])
      s.deleteConfig(a.uri)
      expect(s.communitiesWithId('aaaaaaaa')).toEqual([])
    }))

    it('answers a viewer\'s show-less authors as their requests change, until each one\'s time', () => withStore((s) => {
      const [c, v] = ['at://c', 'did:plc:viewer']
      expect(s.lessAuthors(c, v, 0)).toEqual([])
      s.requestLess(c, v, 'did:plc:a', 100, 10)
      s.requestLess(c, v, 'did:plc:b', 200, 10)
      expect(s.lessAuthors(c, v, 0).sort()).toEqual(['did:plc:a', 'did:plc:b'])
      expect(s.lessAuthors(c, 'did:plc:other', 0)).toEqual([])
      expect(s.lessAuthors(c, v, 100)).toEqual(['did:plc:b'])
      s.requestMore(c, v, 'did:plc:b')
      expect(s.lessAuthors(c, v, 0)).toEqual(['did:plc:a'])
      s.requestLess(c, v, 'did:plc:a', 300, 10)
      expect(s.lessAuthors(c, v, 200)).toEqual(['did:plc:a'])
      expect(s.purgeShowLess(400, 10)).toBe(1)
      expect(s.lessAuthors(c, v, 0)).toEqual([])
      // Rows read inside a transaction that rolls back are not kept.
      expect(() => s.transaction(() => {
        s.requestLess(c, v, 'did:plc:c', 500, 10)
        expect(s.lessAuthors(c, v, 0)).toEqual(['did:plc:c'])
        throw new Error('rolled back')
      })).toThrow('rolled back')
      expect(s.lessAuthors(c, v, 0)).toEqual([])
    }))

    it('answers active membership by community and did', () => withStore((s) => {
      const m = { uri: 'at://did:plc:m/net.atrarium.community.membership/1', did: 'did:plc:m', community: 'at://c', role: 'member' as const, joinedAt: 'x', active: true, seenUs: 1 }
      s.putMembership(m)
      expect(s.hasActiveMembership('at://c', 'did:plc:m')).toBe(true)
      expect(s.hasActiveMembership('at://other', 'did:plc:m')).toBe(false)
      s.putMembership({ ...m, active: false })
      expect(s.hasActiveMembership('at://c', 'did:plc:m')).toBe(false)
      s.putMembership(m)
      s.deleteMembership(m.uri)
      expect(s.hasActiveMembership('at://c', 'did:plc:m')).toBe(false)
      s.putMembership(m)
      expect(s.hasActiveMembership('at://c', 'did:plc:m')).toBe(true)
      s.putMembership({ ...m, community: 'at://other' })
      expect(s.hasActiveMembership('at://c', 'did:plc:m')).toBe(false)
      expect(s.hasActiveMembership('at://other', 'did:plc:m')).toBe(true)
      expect(() => s.transaction(() => {
        s.putMembership({ ...m, uri: `${m.uri}2` })
        expect(s.hasActiveMembership('at://c', 'did:plc:m')).toBe(true)
        throw new Error('boom')
      })).toThrow('boom')
      expect(s.hasActiveMembership('at://c', 'did:plc:m')).toBe(false)
    }))

    it('stores actions by target and lists targets', () => withStore((s) => {
      s.putAction(action('at://m/1', 'at://p/1', 1))
      s.putAction({ ...action('at://m/2', 'at://p/1', 2), reason: 'spam' })
      s.putAction(action('at://m/3', 'at://p/2', 3))
      expect(s.actionsFor('at://c', ['at://p/1'], MOD).map((a) => a.uri).sort()).toEqual(['at://m/1', 'at://m/2'])
      expect(s.actionsFor('at://c', ['at://p/1', 'at://p/2'], MOD)).toHaveLength(3)
      // Only the given actors' actions are read: anyone else's decide nothing (SPEC §3).
      expect(s.actionsFor('at://c', ['at://p/1'], ['did:plc:someone'])).toEqual([])
      expect(s.getAction('at://m/2')?.reason).toBe('spam')
      expect(s.getAction('at://m/1')).not.toHaveProperty('reason')
      expect(s.actionTargetsBy('at://c', MOD).sort()).toEqual(['at://p/1', 'at://p/2'])
      expect(s.actionTargetsBy('at://c', ['did:plc:someone'])).toEqual([])
      expect(s.actionsOf('did:plc:mod').sort()).toEqual(['at://m/1', 'at://m/2', 'at://m/3'])
      s.deleteAction('at://m/1')
      expect(s.getAction('at://m/1')).toBeUndefined()
    }))

    it('pages a skeleton in (sort time, uri) order without skips when times tie', () => withStore((s) => {
      for (let n = 0; n < 7; n++) s.putPost(post('c1', n, 500))
      s.putPost(post('c2', 99, 500))
      const seen: string[] = []
      let after: { sortUs: number; uri: string } | undefined
      for (let i = 0; i < 10; i++) {
        const page = s.skeleton({ community: 'c1', minSortUs: 0, limit: 3, ...(after ? { after } : {}) })
        seen.push(...page.map((p) => p.uri))
        if (page.length < 3) break
        after = page[page.length - 1]
      }
      expect(seen).toEqual([...seen].sort().reverse())
      expect(new Set(seen).size).toBe(7)
    }))

    it("keeps non-members' and blocked authors' posts out of the skeleton until they join or are unblocked (SPEC §4, §5)", () => withStore((s) => {
      const uris = (c = 'c') => s.skeleton({ community: c, minSortUs: 0, limit: 10 }).map((p) => p.uri)
      s.putPost({ ...post('c', 1, 1001, 'did:plc:n'), member: false })
      s.putPost({ ...post('c', 2, 1002, 'did:plc:n'), member: false, blocked: true })
      s.putPost({ ...post('d', 3, 1003, 'did:plc:n'), member: false })
      s.putPost(post('c', 4))
      expect(uris()).toEqual([post('c', 4).uri])
      expect(s.moderatedPosts({ community: 'c', minSortUs: 0, limit: 10 }).map((p) => [p.notMember, p.blocked])).toEqual([[false, false], [true, true], [true, false]])
      // A join is one community's flag: the other community and the block are untouched.
      s.setAuthorMember('c', 'did:plc:n', true)
      expect(uris()).toEqual([post('c', 4).uri, post('c', 1, 1001, 'did:plc:n').uri])
      expect(uris('d')).toEqual([])
      s.setAuthorBlocked('c', 'did:plc:n', false)
      expect(uris()).toHaveLength(3)
      s.setAuthorMember('c', 'did:plc:n', false)
      expect(uris()).toEqual([post('c', 4).uri])
    }))

    it("caps a non-member's posts in one community, dropping the oldest, and leaves members' posts alone", () => withStore((s) => {
      for (let i = 0; i < 5; i++) s.putPost({ ...post('c', i, 1000 + i, 'did:plc:n'), member: false })
      s.putPost({ ...post('d', 9, 999, 'did:plc:n'), member: false })
      s.putPost(post('c', 10, 900, 'did:plc:n'))
      expect(s.capNonMemberPosts('c', 'did:plc:n', 3)).toBe(2)
      expect(s.capNonMemberPosts('c', 'did:plc:n', 3)).toBe(0)
      s.setAuthorMember('c', 'did:plc:n', true)
      expect(s.skeleton({ community: 'c', minSortUs: 0, limit: 10 }).map((p) => p.uri)).toEqual([4, 3, 2, 10].map((i) => post('c', i, 0, 'did:plc:n').uri))
      expect(s.moderatedPosts({ community: 'd', minSortUs: 0, limit: 10 })).toHaveLength(1)
      expect(s.capNonMemberPosts('unknown', 'did:plc:n', 0)).toBe(0)
    }))

    it('hides, blocks and drops posts, and honours minSortUs', () => withStore((s) => {
      s.putPost(post('c', 1))
      s.putPost(post('c', 2, 1002, 'did:plc:b'))
      s.putPost(post('c', 3))
      const uris = () => s.skeleton({ community: 'c', minSortUs: 0, limit: 10 }).map((p) => p.uri)
      s.setPostHidden('c', post('c', 1).uri, true)
      s.setAuthorBlocked('c', 'did:plc:b', true)
      expect(uris()).toEqual([post('c', 3).uri])
      s.setPostHidden('c', post('c', 1).uri, false)
      s.setAuthorBlocked('c', 'did:plc:b', false)
      expect(uris()).toHaveLength(3)
      expect(s.skeleton({ community: 'c', minSortUs: 1002, limit: 10 })).toHaveLength(2)
      s.dropCommunityPosts('c')
      expect(uris()).toEqual([])
    }))

    it('tracks a post across communities and deletes it everywhere', () => withStore((s) => {
      const p = post('c1', 1, 777)
      s.putPost(p)
      s.putPost({ ...p, community: 'c2' })
      // putPost never overwrites: the first sort time and moderation flags stay.
      s.putPost({ ...p, sortUs: 999 })
      expect(s.postSortUs(p.uri)).toBe(777)
      expect(s.postCommunities(p.uri).sort()).toEqual(['c1', 'c2'])
      expect(s.visibleCommunities(p.uri).sort()).toEqual(['c1', 'c2'])
      expect(s.indexedAuthors()).toEqual(['did:plc:a'])
      s.removePost('c1', p.uri)
      expect(s.postCommunities(p.uri)).toEqual(['c2'])
      s.deletePost(p.uri)
      expect(s.postSortUs(p.uri)).toBeUndefined()
    }))

    it('finds an author\'s posts by DID exactly, not by a DID that extends it', () => withStore((s) => {
      s.putPost(post('c', 1, 1001, 'did:plc:ab'))
      s.putPost(post('c', 2, 1002, 'did:plc:a'))
      s.putPost(post('c', 3, 1003, 'did:plc:a0'))
      s.putPost(post('d', 4, 1004, 'did:plc:a'))
      expect(s.indexedAuthors()).toEqual(['did:plc:a', 'did:plc:a0', 'did:plc:ab'])
      s.setAuthorBlocked('c', 'did:plc:a', true)
      expect(s.skeleton({ community: 'c', minSortUs: 0, limit: 10 }).map((p) => p.uri)).toEqual([post('c', 3, 1003, 'did:plc:a0').uri, post('c', 1, 1001, 'did:plc:ab').uri])
      expect(s.skeleton({ community: 'd', minSortUs: 0, limit: 10 })).toHaveLength(1)
    }))

    it('queues join backfills once per community and member, by due time, with tombstones per author (issue #13)', () => withStore((s) => {
      s.queueJoinBackfill('c1', 'did:plc:b', 20)
      s.queueJoinBackfill('c1', 'did:plc:a', 10)
      s.queueJoinBackfill('c2', 'did:plc:a', 30)
      s.queueJoinBackfill('c1', 'did:plc:a', 99)
      expect(s.dueJoinBackfills(25, 10).map((j) => [j.community, j.did, j.dueUs, j.attempts])).toEqual([['c1', 'did:plc:a', 10, 0], ['c1', 'did:plc:b', 20, 0]])
      expect([s.nextJoinBackfillUs(), s.joinBackfillCount()]).toEqual([10, 3])
      s.retryJoinBackfill('c1', 'did:plc:a', 50)
      expect(s.dueJoinBackfills(100, 10).map((j) => [j.did, j.dueUs, j.attempts])).toEqual([['did:plc:b', 20, 0], ['did:plc:a', 30, 0], ['did:plc:a', 50, 1]])
      // Authors with a job queued pass stage 1's post-change test, posts or not.
      expect(s.indexedAuthors()).toEqual(['did:plc:a', 'did:plc:b'])

      const p = 'at://did:plc:a/app.bsky.feed.post/3k'
      s.addPostTombstone(p, 5)
      s.addPostTombstone('at://did:plc:ab/app.bsky.feed.post/3k', 5)
      expect(s.hasJoinBackfill('did:plc:a')).toBe(true)
      s.finishJoinBackfill('c1', 'did:plc:a')
      expect(s.hasPostTombstone(p)).toBe(true)
      s.finishJoinBackfill('c2', 'did:plc:a')
      // The author's last job takes their tombstones, and only theirs.
      expect([s.hasJoinBackfill('did:plc:a'), s.hasPostTombstone(p), s.hasPostTombstone('at://did:plc:ab/app.bsky.feed.post/3k')]).toEqual([false, false, true])
      expect(s.purgeTombstones(6, 10)).toBe(1)
      expect(s.nextJoinBackfillUs()).toBe(20)
      s.finishJoinBackfill('c1', 'did:plc:b')
      expect([s.nextJoinBackfillUs(), s.joinBackfillCount(), s.indexedAuthors()]).toEqual([undefined, 0, []])
    }))

    it('purges posts older than the window in bounded chunks', () => withStore((s) => {
      for (let n = 0; n < 10; n++) s.putPost(post('c', n, n))
      expect(s.purgePosts(5, 3)).toBe(3)
      expect(s.purgePosts(5, 100)).toBe(2)
      expect(s.purgePosts(5, 100)).toBe(0)
      expect(s.skeleton({ community: 'c', minSortUs: 0, limit: 100 })).toHaveLength(5)
    }))

    it('keeps posts a config pins past the window, and says which of some posts are shown there (SPEC §10)', () => withStore((s) => {
      const pinned = post('at://c', 1, 1).uri
      s.putConfig({ uri: 'at://c', id: 'cccccccc', owner: 'did:plc:a', config: { name: 'c', hashtag: '#atrarium_cccccccc', stage: 'theme', feedMix: { own: 100, parent: 0, global: 0 }, moderators: [], pinnedPosts: [pinned], createdAt: '2026-01-01T00:00:00Z' } })
      for (let n = 0; n < 4; n++) s.putPost(post('at://c', n, n))
      s.putPost({ ...post('at://c', 9, 9), hidden: true })
      expect(visibleAmong(s, 'at://c', [post('at://c', 9).uri, post('at://c', 2).uri, pinned, 'at://did:plc:a/app.bsky.feed.post/none'])).toEqual([post('at://c', 2).uri, pinned])
      expect(visibleAmong(s, 'at://unknown', [pinned])).toEqual([])
      expect(s.purgePosts(100, 100)).toBe(4)
      expect(visibleAmong(s, 'at://c', [pinned])).toEqual([pinned])
    }))

    it('pages communities by id, filters by owner, and finds children by parent', () => withStore((s) => {
      const parent = config('11111111')
      s.putConfig(parent)
      s.putConfig(config('33333333', 'did:plc:other'))
      s.putConfig({ ...config('22222222'), config: { ...config('22222222').config, parentCommunity: parent.uri } })
      s.putConfig({ ...config('44444444', 'did:plc:other'), config: { ...config('44444444').config, parentCommunity: parent.uri } })
      const ids = (cs: StoredConfig[]) => cs.map((c) => c.id)
      expect(ids(s.communitiesPage({ limit: 2 }))).toEqual(['11111111', '22222222'])
      expect(ids(s.communitiesPage({ limit: 2, after: { id: '22222222', uri: config('22222222').uri } }))).toEqual(['33333333', '44444444'])
      expect(ids(s.communitiesPage({ limit: 10, owner: 'did:plc:other', after: { id: '33333333', uri: config('33333333', 'did:plc:other').uri } }))).toEqual(['44444444'])
      expect(ids(s.childCommunities(parent.uri, 10))).toEqual(['22222222', '44444444'])
      expect(ids(s.childCommunities(parent.uri, 1))).toEqual(['22222222'])
      expect(s.childCommunities(config('22222222').uri, 10)).toEqual([])
    }))

    it('finds communities by a part of their name, case-insensitively, with % and _ taken literally', () => withStore((s) => {
      const named = (id: string, name: string) => ({ ...config(id), config: { ...config(id).config, name } })
      s.putConfig(named('11111111', 'Bird Watchers'))
      s.putConfig(named('22222222', 'birdsong_100%'))
      s.putConfig(named('33333333', 'Rust'))
      const ids = (cs: StoredConfig[]) => cs.map((c) => c.id)
      expect(ids(s.communitiesPage({ limit: 10, name: 'BIRD' }))).toEqual(['11111111', '22222222'])
      expect(ids(s.communitiesPage({ limit: 1, name: 'bird', after: { id: '11111111', uri: config('11111111').uri } }))).toEqual(['22222222'])
      expect(ids(s.communitiesPage({ limit: 10, name: '_100%' }))).toEqual(['22222222'])
      expect(ids(s.communitiesPage({ limit: 10, name: '%' }))).toEqual(['22222222'])
      expect(ids(s.communitiesPage({ limit: 10, name: 'r_st' }))).toEqual([])
      expect(ids(s.communitiesPage({ limit: 10, name: 'rust', owner: 'did:plc:other' }))).toEqual([])
    }))

    it('lists active members once each, by did, with their earliest joinedAt, and counts them', () => withStore((s) => {
      const m = (did: string, rkey: string, joinedAt: string, active = true, community = 'at://c') =>
        s.putMembership({ uri: `at://${did}/net.atrarium.community.membership/${rkey}`, did, community, role: 'member', joinedAt, active, seenUs: 1 })
      m('did:plc:b', '1', '2026-01-03T00:00:00Z')
      m('did:plc:b', '2', '2026-01-02T00:00:00Z')
      m('did:plc:a', '1', '2026-01-05T00:00:00Z')
      m('did:plc:c', '1', '2026-01-01T00:00:00Z', false)
      m('did:plc:d', '1', '2026-01-01T00:00:00Z', true, 'at://other')
      expect(s.activeMembers('at://c', { limit: 10 })).toEqual([
        { did: 'did:plc:a', joinedAt: '2026-01-05T00:00:00Z' },
        { did: 'did:plc:b', joinedAt: '2026-01-02T00:00:00Z' },
      ])
      expect(s.activeMembers('at://c', { limit: 10, after: 'did:plc:a' }).map((r) => r.did)).toEqual(['did:plc:b'])
      expect(s.activeMembers('at://c', { limit: 1 }).map((r) => r.did)).toEqual(['did:plc:a'])
      // Extra DIDs (owner, moderators) count once, whether or not they also hold a membership.
      expect(s.countMembers('at://c', [])).toBe(2)
      expect(s.countMembers('at://c', ['did:plc:a', 'did:plc:owner', 'did:plc:owner', 'did:plc:c'])).toBe(4)
    }))

    it('keeps approval decisions per community and member, and lists and counts the approved and the pending (SPEC §9)', () => withStore((s) => {
      const m = (did: string, active = true) =>
        s.putMembership({ uri: `at://${did}/net.atrarium.community.membership/1`, did, community: 'at://c', role: 'member', joinedAt: '2026-01-01T00:00:00Z', active, seenUs: 1 })
      for (const did of ['did:plc:a', 'did:plc:b', 'did:plc:c', 'did:plc:d']) m(did)
      m('did:plc:e', false)
      s.setMemberApproval('at://c', 'did:plc:a', 'approved')
      s.setMemberApproval('at://c', 'did:plc:b', 'refused')
      s.setMemberApproval('at://c', 'did:plc:c', 'approved')
      s.setMemberApproval('at://c', 'did:plc:c', 'refused')
      s.setMemberApproval('at://c', 'did:plc:d', 'approved')
      s.setMemberApproval('at://c', 'did:plc:d', undefined)
      s.setMemberApproval('at://c', 'did:plc:e', 'approved')
      s.setMemberApproval('at://other', 'did:plc:d', 'approved')
      expect(['a', 'b', 'c', 'd', 'e'].map((x) => s.memberApproval('at://c', `did:plc:${x}`))).toEqual(['approved', 'refused', 'refused', undefined, 'approved'])
      expect(s.memberApproval('at://other', 'did:plc:d')).toBe('approved')
      expect(s.activeMembers('at://c', { limit: 10 }, 'approved').map((r) => r.did)).toEqual(['did:plc:a'])
      expect(s.activeMembers('at://c', { limit: 10 }, 'pending').map((r) => r.did)).toEqual(['did:plc:d'])
      expect(s.activeMembers('at://c', { limit: 10 }).map((r) => r.did)).toEqual(['did:plc:a', 'did:plc:b', 'did:plc:c', 'did:plc:d'])
      expect([s.countMembers('at://c', ['did:plc:owner'], 'approved'), s.countMembers('at://c', [], 'pending')]).toEqual([2, 1])
      // A decision outlives the community only until its config goes.
      s.putConfig({ uri: 'at://c', id: 'cccccccc', owner: 'did:plc:owner', config: { name: 'c', hashtag: '#atrarium_cccccccc', stage: 'theme', feedMix: { own: 100, parent: 0, global: 0 }, moderators: [], createdAt: '2026-01-01T00:00:00Z' } })
      s.deleteConfig('at://c')
      expect(s.memberApproval('at://c', 'did:plc:a')).toBeUndefined()
      expect(s.memberApproval('at://other', 'did:plc:d')).toBe('approved')
    }))

    it('pages a community\'s actions latest first, ties by uri descending', () => withStore((s) => {
      s.putAction(action('at://m/1', 'at://p/1', 10))
      s.putAction(action('at://m/3', 'at://p/2', 20))
      s.putAction(action('at://m/2', 'at://p/1', 20))
      s.putAction({ ...action('at://m/9', 'at://p/1', 99), community: 'at://other' })
      expect(s.actionsPage('at://c', { limit: 2 }).map((a) => a.uri)).toEqual(['at://m/3', 'at://m/2'])
      expect(s.actionsPage('at://c', { limit: 2, after: { effectiveUs: 20, uri: 'at://m/2' } }).map((a) => a.uri)).toEqual(['at://m/1'])
      expect(s.actionsPage('at://c', { limit: 10 })[0]).toEqual(action('at://m/3', 'at://p/2', 20))
    }))

    it('shows a moderator every post with its flags, and counts them within retention', () => withStore((s) => {
      s.putPost(post('c', 1))
      s.putPost(post('c', 2, 1002, 'did:plc:b'))
      s.putPost({ ...post('c', 3), hidden: true })
      s.putPost(post('c', 0, 10))
      s.putPost(post('other', 5))
      s.setAuthorBlocked('c', 'did:plc:b', true)
      const page = s.moderatedPosts({ community: 'c', minSortUs: 100, limit: 2 })
      expect(page).toEqual([
        { uri: post('c', 3).uri, author: 'did:plc:a', sortUs: 1003, hidden: true, blocked: false, inactive: false, notMember: false },
        { uri: post('c', 2, 1002, 'did:plc:b').uri, author: 'did:plc:b', sortUs: 1002, hidden: false, blocked: true, inactive: false, notMember: false },
      ])
      expect(s.moderatedPosts({ community: 'c', minSortUs: 100, limit: 5, after: page[1]! }).map((p) => p.uri)).toEqual([post('c', 1).uri])
      expect(s.postCounts('c', 100)).toEqual({ indexed: 3, hidden: 1 })
      expect(s.postCounts('nothing', 0)).toEqual({ indexed: 0, hidden: 0 })
    }))

    it('never serves a config lookup from before a write or a rolled-back one', () => withStore((s) => {
      const c = config('cccccccc')
      expect(s.communitiesWithId(c.id)).toEqual([])
      s.putConfig(c)
      expect(s.communitiesWithId(c.id)[0]?.config.name).toBe(c.id)
      expect(() => s.transaction(() => {
        s.putConfig({ ...c, config: { ...c.config, name: 'doomed' } })
        expect(s.getConfig(c.uri)?.config.name).toBe('doomed')
        throw new Error('boom')
      })).toThrow('boom')
      expect(s.getConfig(c.uri)?.config.name).toBe(c.id)
      expect(s.communitiesWithId(c.id)[0]?.config.name).toBe(c.id)
      s.deleteConfig(c.uri)
      expect(s.communitiesWithId(c.id)).toEqual([])
      expect(s.getConfig(c.uri)).toBeUndefined()
    }))

    it('finds actions written after a lookup found none, and forgets rolled-back ones', () => withStore((s) => {
      expect(s.actionsFor('at://c', ['at://p/1'], MOD)).toEqual([])
      s.putAction(action('at://m/1', 'at://p/1', 1))
      expect(s.actionsFor('at://c', ['at://p/1'], MOD).map((a) => a.uri)).toEqual(['at://m/1'])
      s.deleteAction('at://m/1')
      expect(s.actionsFor('at://c', ['at://p/1'], MOD)).toEqual([])
      expect(() => s.transaction(() => {
        s.putAction(action('at://m/2', 'at://p/1', 2))
        expect(s.actionsFor('at://c', ['at://p/1'], MOD)).toHaveLength(1)
        throw new Error('boom')
      })).toThrow('boom')
      expect(s.actionsFor('at://c', ['at://p/1'], MOD)).toEqual([])
    }))

    it('moves indexVersion on every write that changes the index, and only then', () => withStore((s) => {
      const c = config('vvvvvvvv')
      const m = { uri: 'at://did:plc:m/net.atrarium.community.membership/1', did: 'did:plc:m', community: c.uri, role: 'member' as const, joinedAt: '2026-01-01T00:00:00Z', active: true, seenUs: 1 }
      const p = post('v', 1)
      const version = () => s.indexVersion!()
      const steps: [string, () => void, boolean][] = [
        ['putConfig', () => s.putConfig(c), true],
        ['putMembership', () => s.putMembership(m), true],
        ['putMembership again (a replay)', () => s.putMembership({ ...m, seenUs: 2 }), false],
        ['putAction', () => s.putAction(action('at://m/v', p.uri, 1)), true],
        ['putPost', () => s.putPost(p), true],
        ['putPost again (a replay)', () => s.putPost(p), false],
        ['setPostHidden', () => s.setPostHidden('v', p.uri, true), true],
        ['setAuthorBlocked', () => s.setAuthorBlocked('v', 'did:plc:a', true), true],
        // No post changes, but the community's blocked count does.
        ['setAuthorBlocked of an author with no posts', () => s.setAuthorBlocked('v', 'did:plc:nobody', true), true],
        ['setAuthorBlocked again', () => s.setAuthorBlocked('v', 'did:plc:nobody', true), false],
        ['setCursor', () => s.setCursor('j', 1), false],
        ['reads', () => { s.skeleton({ community: 'v', minSortUs: 0, limit: 5 }); s.communitiesWithId(c.id); s.hasActiveMembership(c.uri, m.did) }, false],
        ['setAccountStatus', () => s.setAccountStatus('did:plc:a', 'takendown', 1), true],
        ['setAccountStatus again', () => s.setAccountStatus('did:plc:a', 'takendown', 2), false],
        ['setAccountStatus active', () => s.setAccountStatus('did:plc:a', undefined, 3), true],
        ['removePost', () => s.removePost('v', p.uri), true],
        ['removePost of a post not there', () => s.removePost('v', p.uri), false],
        ['putPost elsewhere', () => s.putPost(post('w', 2)), true],
        ['deletePost', () => s.deletePost(post('w', 2).uri), true],
        ['dropCommunityPosts', () => { s.putPost(p); s.dropCommunityPosts('v') }, true],
        ['purgePosts', () => { s.putPost(p); s.purgePosts(1_000_000, 10) }, true],
        ['purgePosts with nothing old', () => s.purgePosts(0, 10), false],
        ['deleteAction', () => s.deleteAction('at://m/v'), true],
        ['deleteMembership', () => s.deleteMembership(m.uri), true],
        ['deleteConfig', () => s.deleteConfig(c.uri), true],
      ]
      const moved = steps.map(([name, step]) => {
        const before = version()
        step()
        return [name, version() !== before]
      })
      expect(moved).toEqual(steps.map(([name, , expected]) => [name, expected]))
      // What a reader saw inside a transaction that then rolled back is not the index any more.
      let inside = 0
      expect(() => s.transaction(() => {
        s.putPost(p)
        inside = version()
        throw new Error('boom')
      })).toThrow('boom')
      expect(version()).not.toBe(inside)
    }))

    it('keeps communities that share an id apart: configs, posts, flags (SPEC §1)', () => withStore((s) => {
      const a = config('abababab', 'did:plc:alice')
      const b = config('abababab', 'did:plc:mallory')
      s.putConfig(a)
      s.putConfig(b)
      expect(s.communitiesWithId('abababab').map((c) => c.owner).sort()).toEqual(['did:plc:alice', 'did:plc:mallory'])
      s.putPost(post(a.uri, 1))
      s.putPost(post(b.uri, 2))
      s.putPost(post(b.uri, 1))
      const uris = (c: string) => s.skeleton({ community: c, minSortUs: 0, limit: 10 }).map((p) => p.uri)
      expect(uris(a.uri)).toEqual([post(a.uri, 1).uri])
      expect(uris(b.uri)).toEqual([post(b.uri, 2).uri, post(b.uri, 1).uri])
      s.setPostHidden(b.uri, post(b.uri, 1).uri, true)
      s.setAuthorBlocked(b.uri, 'did:plc:a', true)
      expect(uris(a.uri)).toEqual([post(a.uri, 1).uri])
      expect(s.blockedCount(a.uri)).toBe(0)
      expect(s.blockedCount(b.uri)).toBe(1)
      expect(s.globalSkeleton({ exclude: [b.uri], minSortUs: 0, limit: 10 }).map((p) => p.uri)).toEqual([post(a.uri, 1).uri])
      s.deleteConfig(b.uri)
      s.dropCommunityPosts(b.uri)
      expect(uris(a.uri)).toEqual([post(a.uri, 1).uri])
      expect(s.blockedCount(b.uri)).toBe(0)
    }))

    it('counts blocked authors per community, once each', () => withStore((s) => {
      s.setAuthorBlocked('c', 'did:plc:x', true)
      s.setAuthorBlocked('c', 'did:plc:x', true)
      s.setAuthorBlocked('c', 'did:plc:y', true)
      s.setAuthorBlocked('d', 'did:plc:x', true)
      expect([s.blockedCount('c'), s.blockedCount('d'), s.blockedCount('e')]).toEqual([2, 1, 0])
      s.setAuthorBlocked('c', 'did:plc:x', false)
      expect(s.blockedCount('c')).toBe(1)
    }))

    it('takes an inactive account\'s posts out of every skeleton, and back (SPEC §4)', () => withStore((s) => {
      s.putPost(post('c', 1, 1001, 'did:plc:a'))
      s.putPost(post('d', 1, 1001, 'did:plc:a'))
      s.putPost(post('c', 2, 1002, 'did:plc:b'))
      s.setAuthorBlocked('c', 'did:plc:a', true)
      const uris = (c: string) => s.skeleton({ community: c, minSortUs: 0, limit: 10 }).map((p) => p.uri)
      s.setAccountStatus('did:plc:a', 'suspended', 5)
      expect(s.accountStatus('did:plc:a')).toBe('suspended')
      expect(uris('d')).toEqual([])
      // Posts indexed while the account is inactive start out of the skeleton too.
      s.putPost(post('d', 3, 1003, 'did:plc:a'))
      expect(uris('d')).toEqual([])
      expect(s.moderatedPosts({ community: 'd', minSortUs: 0, limit: 10 }).map((p) => p.inactive)).toEqual([true, true])
      s.setAccountStatus('did:plc:a', undefined, 6)
      expect(s.accountStatus('did:plc:a')).toBeUndefined()
      expect(uris('d')).toEqual([post('d', 3, 1003, 'did:plc:a').uri, post('d', 1, 1001, 'did:plc:a').uri])
      // The community block is a separate flag: an account coming back does not lift it.
      expect(uris('c')).toEqual([post('c', 2, 1002, 'did:plc:b').uri])
      s.deleteAuthorPosts('did:plc:a')
      expect(s.indexedAuthors()).toEqual(['did:plc:b'])
    }))

    it('forgets the status of accounts with no posts once old, and orphaned records after the window (SPEC §6)', () => withStore((s) => {
      s.putPost(post('c', 1, 1001, 'did:plc:a'))
      s.setAccountStatus('did:plc:a', 'deactivated', 10)
      s.setAccountStatus('did:plc:z', 'deactivated', 10)
      s.setAccountStatus('did:plc:new', 'deactivated', 50)
      expect(s.purgeAccounts(20, 100)).toBe(1)
      expect([s.accountStatus('did:plc:a'), s.accountStatus('did:plc:z'), s.accountStatus('did:plc:new')]).toEqual(['deactivated', undefined, 'deactivated'])

      const known = config('kkkkkkkk')
      s.putConfig(known)
      const m = (rkey: string, community: string, seenUs: number) =>
        s.putMembership({ uri: `at://did:plc:m/net.atrarium.community.membership/${rkey}`, did: 'did:plc:m', community, role: 'member', joinedAt: 'x', active: true, seenUs })
      m('old-orphan', 'at://did:plc:gone/net.atrarium.community.config/x', 10)
      m('new-orphan', 'at://did:plc:gone/net.atrarium.community.config/x', 50)
      m('old-known', known.uri, 10)
      s.putAction({ ...action('at://m/orphan', 'at://p/1', 10), community: 'at://did:plc:gone/net.atrarium.community.config/x' })
      s.putAction({ ...action('at://m/known', 'at://p/1', 10), community: known.uri })
      expect(s.purgeOrphans(20, 1)).toBe(1)
      expect(s.purgeOrphans(20, 100)).toBe(1)
      expect(s.purgeOrphans(20, 100)).toBe(0)
      expect(s.membershipsOf('did:plc:m').map((u) => u.split('/').pop()).sort()).toEqual(['new-orphan', 'old-known'])
      expect(s.getAction('at://m/orphan')).toBeUndefined()
      expect(s.getAction('at://m/known')).toBeDefined()
    }))

    it('keeps a membership\'s first-seen time across updates', () => withStore((s) => {
      const m = { uri: 'at://did:plc:m/net.atrarium.community.membership/1', did: 'did:plc:m', community: 'at://gone', role: 'member' as const, joinedAt: 'x', active: true, seenUs: 10 }
      s.putMembership(m)
      s.putMembership({ ...m, active: false, seenUs: 99 })
      expect(s.hasActiveMembership('at://gone', 'did:plc:m')).toBe(false)
      expect(s.purgeOrphans(20, 10)).toBe(1)
    }))

    it('rolls back a failed transaction', () => withStore((s) => {
      expect(() =>
        s.transaction(() => {
          s.setCursor('j', 1)
          throw new Error('boom')
        }),
      ).toThrow('boom')
      expect(s.getCursor('j')).toBeUndefined()
    }))
  })
}
