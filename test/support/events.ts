import { communityIdOf, configUriOf, hashtagOf } from '../../src/core/community-id.js'
import type { AccountEvent, RepoDelete, RepoEvent, RepoWrite } from '../../src/core/events.js'
import { jetstreamFrameOf } from '../../src/core/jetstream-encode.js'
import { NSID } from '../../src/core/nsid.js'

/** Builders for realistic repo events, shared by unit and end-to-end tests. */
/** "Now" for tests, in microseconds: real time, so a live host does not treat events as expired. */
export const T0 = Date.now() * 1000
let clock = T0 - 3_600_000_000
/** A strictly increasing event time, one millisecond apart. */
export const tick = (): number => (clock += 1000)

export const isoUs = (us: number): string => new Date(Math.floor(us / 1000)).toISOString()

export function community(owner: string, rkey: string) {
  const uri = configUriOf(owner, rkey)
  const id = communityIdOf(uri)
  return { owner, rkey, uri, id, hashtag: hashtagOf(id), tag: hashtagOf(id).slice(1) }
}
export type Community = ReturnType<typeof community>

/** A record write at `timeUs` (default: the next tick); the builders below fill in each collection's fields. */
export const write = (did: string, collection: string, rkey: string, record: object, op: 'create' | 'update' = 'create', timeUs = tick()): RepoWrite => ({
  op, did, collection, rkey, record: { $type: collection, ...record }, timeUs, cursor: timeUs,
})

export const del = (did: string, collection: string, rkey: string, timeUs = tick()): RepoDelete => ({
  op: 'delete', did, collection, rkey, timeUs, cursor: timeUs,
})

export const configEvent = (c: Community, fields: object = {}, op: 'create' | 'update' = 'create') =>
  write(c.owner, NSID.config, c.rkey, {
    name: `Community ${c.rkey}`, hashtag: c.hashtag, stage: 'theme', moderators: [], createdAt: '2026-01-01T00:00:00.000Z', ...fields,
  }, op)

export const membershipEvent = (did: string, rkey: string, c: Community, fields: object = {}) =>
  write(did, NSID.membership, rkey, { community: c.uri, role: 'member', joinedAt: '2026-01-02T00:00:00.000Z', active: true, ...fields })

export const actionEvent = (did: string, rkey: string, c: Community, action: string, target: string, createdAt: string, fields: object = {}) =>
  write(did, NSID.action, rkey, { action, target, community: c.uri, createdAt, ...fields })

export const postEvent = (did: string, rkey: string, text: string, fields: object = {}, op: 'create' | 'update' = 'create', timeUs = tick()) =>
  write(did, NSID.post, rkey, { text, createdAt: isoUs(timeUs), ...fields }, op, timeUs)

/** An account status change; `status` undefined means active again. */
export const accountEvent = (did: string, status: string | undefined, timeUs = tick()): AccountEvent => ({
  op: 'account', did, active: status === undefined, ...(status !== undefined ? { status } : {}), timeUs, cursor: timeUs,
})

export const postUri = (did: string, rkey: string): string => `at://${did}/${NSID.post}/${rkey}`

/** A repo event as Jetstream sends it on the wire. */
export const toJetstream = (e: RepoEvent): Record<string, unknown> => jetstreamFrameOf(e)
