import { describe, expect, it } from 'vitest'
import { communityIdOf, configUriOf, hashtagOf } from '../../core/community-id.js'
import { NSID } from '../../core/nsid.js'
import { err, ok } from '../../core/result.js'
import { indexHarness } from '../../../test/support/index-harness.js'
import type { Identity } from '../identity.js'
import { orderForApply, toCreateEvent } from './apply-order.js'
import { BackfillState, type StagedRecord } from './backfill-state.js'
import { createProgress } from './progress.js'
import type { RepoSource } from '../../backfill/repo-listing.js'
import { runBackfill } from './run-backfill.js'

/** Two config URIs with the same community id, found by a bounded birthday search. */
function collidingUris(): [string, string] {
  const seen = new Map<string, string>()
  for (let i = 0; i < 1_000_000; i++) {
    const uri = configUriOf(`did:plc:grind${i}`, 'self')
    const id = communityIdOf(uri)
    const other = seen.get(id)
    if (other) return [other, uri]
    seen.set(id, uri)
  }
  throw new Error('no collision found')
}

const configRecord = (uri: string, createdAt: string): StagedRecord => {
  const did = uri.split('/')[2]!
  const record = { $type: NSID.config, name: 'x', hashtag: hashtagOf(communityIdOf(uri)), stage: 'theme', moderators: [], createdAt }
  return { uri, did, collection: NSID.config, rkey: 'self', record }
}

describe('backfill apply order (SPEC §1)', () => {
  const [a, b] = collidingUris()
  const [smaller, larger] = a < b ? [a, b] : [b, a]

  it.each([
    ['the later one backdated', [configRecord(smaller, '2026-02-01T00:00:00Z'), configRecord(larger, '0001-01-01T00:00:00Z')]],
    ['equal createdAt', [configRecord(larger, '2026-01-01T00:00:00Z'), configRecord(smaller, '2026-01-01T00:00:00Z')]],
  ])('colliding configs (%s) are both communities, whatever the input order', (_, records) => {
    for (const input of [records, [...records].reverse()]) {
      const h = indexHarness()
      h.apply(...orderForApply(input).map((r) => toCreateEvent(r, 1)))
      expect(h.store.communitiesWithId(communityIdOf(a)).map((c) => c.uri)).toEqual([smaller, larger])
      h.close()
    }
  })

  it('a colliding config cannot displace one already in the index, nor be refused by it', () => {
    const h = indexHarness()
    h.apply(toCreateEvent(configRecord(larger, '2026-03-01T00:00:00Z'), 1))
    h.apply(...orderForApply([configRecord(smaller, '0001-01-01T00:00:00Z')]).map((r) => toCreateEvent(r, 1)))
    expect(h.store.communitiesWithId(communityIdOf(a)).map((c) => c.uri)).toEqual([smaller, larger])
    h.close()
  })

  it('puts configs before memberships before actions', () => {
    const rec = (collection: string, uri: string): StagedRecord => ({ uri, did: 'did:plc:x', collection, rkey: 'r', record: {} })
    const ordered = orderForApply([rec(NSID.action, 'at://a'), rec(NSID.membership, 'at://b'), configRecord(smaller, '2026-01-01T00:00:00Z')])
    expect(ordered.map((r) => r.collection)).toEqual([NSID.config, NSID.membership, NSID.action])
  })
})

describe('backfill resume', () => {
  it('continues listing from the saved cursor after an interruption', async () => {
    const h = indexHarness()
    const state = new BackfillState(h.driver, 'pds test')
    const calls: (string | undefined)[] = []
    let stop = false
    const source: RepoSource = {
      key: 'pds test',
      listings: ['*'],
      async page(_l, cursor) {
        calls.push(cursor)
        stop = true // interrupted right after the first page is saved
        return ok(cursor ? { repos: [{ did: 'did:plc:b' }] } : { repos: [{ did: 'did:plc:a' }], cursor: 'c1' })
      },
    }
    const identity: Identity = { didOf: async (a) => ok(a), pdsOf: async () => err('offline') }
    const opts = { source, state, indexer: h.indexer, store: h.store, identity, progress: createProgress(process.stderr, true), concurrency: 2, interrupted: () => stop }
    expect((await runBackfill(opts)).ok).toBe(false)
    expect(state.listing('*')).toEqual({ cursor: 'c1', done: false })

    stop = false
    const run = await runBackfill({ ...opts, interrupted: () => false })
    expect(calls).toEqual([undefined, 'c1'])
    expect(state.listing('*').done).toBe(true)
    // Unreachable repos are reported and stay pending for the next run.
    expect(run.ok && run.value.repos.failed.map((f) => f.did)).toEqual(['did:plc:a', 'did:plc:b'])
    expect(state.pendingRepos().map((r) => r.did)).toEqual(['did:plc:a', 'did:plc:b'])
    h.close()
  })
})
