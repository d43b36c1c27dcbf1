import { NSID } from '../../../src/core/nsid.js'
import { readXrpc, XrpcError, type Params } from './xrpc.js'

/** The signed-in account: its DID, and a fetch that the user's own PDS authenticates (OAuth, DPoP). */
export interface Account {
  did: string
  handle?: string
  fetch: (path: string, init?: RequestInit) => Promise<Response>
}

export interface RecordRef {
  uri: string
  cid: string
}

// listRecords pages are at most 100; a person's records of one kind rarely need more than a few.
const MAX_LIST_PAGES = 50

/** Thrown by an Account's fetch once its session cannot go on (refresh refused, revoked, invalid). */
export class SessionEndedError extends Error {}

/** Says which server refused and why, in its own words: the PDS is the user's, not ours. */
function refusal(what: string, e: unknown): Error {
  if (e instanceof SessionEndedError) {
    return new Error(`Your Bluesky session has ended (${what} was not done): sign in again.`)
  }
  if (e instanceof XrpcError) {
    const scope = /scope|permission|insufficient/i.test(e.message) || e.status === 403
    return new Error(`Your Bluesky server refused ${what}: ${e.message}${scope ? ' (sign out and in again to grant the permission)' : ''}`)
  }
  return new Error(`Your Bluesky server could not be reached for ${what}`)
}

async function call<T>(acct: Account, what: string, nsid: string, init: { params?: Params; body?: unknown }): Promise<T> {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(init.params ?? {})) if (v !== undefined) q.set(k, String(v))
  const path = `/xrpc/${nsid}${q.size ? `?${q}` : ''}`
  try {
    const res = await acct.fetch(path, init.body === undefined
      ? { method: 'GET' }
      : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(init.body) })
    return await readXrpc<T>(res, nsid)
  } catch (e) {
    throw refusal(what, e)
  }
}

export const pds = {
  createRecord: (acct: Account, collection: string, record: Record<string, unknown>, rkey?: string) =>
    call<RecordRef>(acct, `writing your ${collection} record`, 'com.atproto.repo.createRecord', { body: { repo: acct.did, collection, record, ...(rkey ? { rkey } : {}) } }),
  putRecord: (acct: Account, collection: string, rkey: string, record: Record<string, unknown>) =>
    call<RecordRef>(acct, `writing your ${collection} record`, 'com.atproto.repo.putRecord', { body: { repo: acct.did, collection, rkey, record } }),
  deleteRecord: (acct: Account, collection: string, rkey: string) =>
    call<unknown>(acct, `deleting your ${collection} record`, 'com.atproto.repo.deleteRecord', { body: { repo: acct.did, collection, rkey } }),
  async getRecord(acct: Account, collection: string, rkey: string): Promise<Record<string, unknown> | undefined> {
    try {
      const res = await acct.fetch(`/xrpc/com.atproto.repo.getRecord?${new URLSearchParams({ repo: acct.did, collection, rkey })}`, { method: 'GET' })
      return (await readXrpc<{ value: Record<string, unknown> }>(res, 'getRecord')).value
    } catch (e) {
      if (e instanceof XrpcError && e.error === 'RecordNotFound') return undefined
      throw refusal(`reading your ${collection} record`, e)
    }
  },
  async listRecords(acct: Account, collection: string): Promise<{ uri: string; value: Record<string, unknown> }[]> {
    const out: { uri: string; value: Record<string, unknown> }[] = []
    let cursor: string | undefined
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const r = await call<{ records: { uri: string; value: Record<string, unknown> }[]; cursor?: string }>(acct, `listing your ${collection} records`, 'com.atproto.repo.listRecords', { params: { repo: acct.did, collection, limit: 100, cursor } })
      out.push(...r.records)
      if (!r.cursor || r.records.length === 0) break
      cursor = r.cursor
    }
    return out
  },
  getServiceAuth: (acct: Account, aud: string, lxm: string) =>
    call<{ token: string }>(acct, 'a token for the moderator view', 'com.atproto.server.getServiceAuth', { params: { aud, lxm, exp: Math.floor(Date.now() / 1000) + 60 } }).then((r) => r.token),
}

export const rkeyOf = (uri: string): string => uri.split('/').pop() ?? ''

/** The member's own membership records naming the community: their repo is the truth. */
export async function myMemberships(acct: Account, community: string): Promise<string[]> {
  const all = await pds.listRecords(acct, NSID.membership)
  return all.filter((r) => r.value.community === community).map((r) => r.uri)
}
