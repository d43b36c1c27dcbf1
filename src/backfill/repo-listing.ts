import { NSID } from '../core/nsid.js'
import { err, ok, type Result } from '../core/result.js'
import { boundedJson, REQUEST_TIMEOUT_MS } from './bounded-json.js'

/** The record collections a backfill reads from each repo; posts are read per member afterwards. */
export const BACKFILL_COLLECTIONS = [NSID.config, NSID.membership, NSID.action] as const

/** A repo to read, and its PDS when the listing names it (a PDS's own listRepos). */
export interface RepoRef {
  did: string
  pds?: string
}

export interface RepoPage {
  repos: RepoRef[]
  cursor?: string
}

/** Where repos are found: each listing is paged with its own cursor. */
export interface RepoSource {
  /** Names the source in progress tables. */
  key: string
  listings: readonly string[]
  page(listing: string, cursor: string | undefined): Promise<Result<RepoPage>>
}

export interface ListedRecord {
  uri: string
  value: unknown
}

type Get = (url: string, init?: RequestInit) => Promise<Response>

const REPOS_PAGE = 1000
const RECORDS_PAGE = 100
/** Pages of listRecords read at most per collection; a repo with more is not a plausible user. */
const MAX_RECORD_PAGES = 10_000

/** One XRPC query's JSON, or the server's error in one line. */
async function query<T>(get: Get, base: string, nsid: string, params: Record<string, string | undefined>): Promise<Result<T>> {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined))
  try {
    const res = await get(`${base.replace(/\/+$/, '')}/xrpc/${nsid}?${q}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    const body = (await boundedJson(res).catch((e: unknown) => (res.ok ? Promise.reject(e) : undefined))) as (T & { error?: string; message?: string }) | undefined
    if (!res.ok) return err(`HTTP ${res.status}${body?.error ? ` ${body.error}` : ''}${body?.message ? `: ${body.message}` : ''}`)
    if (body === undefined || body === null || typeof body !== 'object') return err('the answer is not a JSON object')
    return ok(body)
  } catch (e) {
    return err(e instanceof Error ? e.message : String(e))
  }
}

type ReposBody = { repos?: { did?: unknown; active?: unknown }[]; cursor?: unknown }

function toPage(body: ReposBody, pds?: string): RepoPage {
  const listed = Array.isArray(body.repos) ? body.repos : []
  const repos = listed.filter((r) => typeof r.did === 'string' && r.active !== false).map((r) => ({ did: r.did as string, ...(pds ? { pds } : {}) }))
  return { repos, ...(typeof body.cursor === 'string' && listed.length > 0 ? { cursor: body.cursor } : {}) }
}

/** Every repo a PDS hosts (com.atproto.sync.listRepos); inactive repos cannot be read and are skipped. */
export function pdsSource(url: string, get: Get = fetch): RepoSource {
  return {
    key: `pds ${url}`,
    listings: ['*'],
    async page(_listing, cursor) {
      const res = await query<ReposBody>(get, url, 'com.atproto.sync.listRepos', { limit: String(REPOS_PAGE), cursor })
      return res.ok ? ok(toPage(res.value, url)) : err(`listRepos at ${url} failed: ${res.error}`)
    },
  }
}

/** Repos holding any net.atrarium.* record, per a relay (com.atproto.sync.listReposByCollection). */
export function relaySource(url: string, get: Get = fetch): RepoSource {
  return {
    key: `relay ${url}`,
    listings: BACKFILL_COLLECTIONS,
    async page(collection, cursor) {
      const res = await query<ReposBody>(get, url, 'com.atproto.sync.listReposByCollection', { collection, limit: String(REPOS_PAGE), cursor })
      return res.ok ? ok(toPage(res.value)) : err(`listReposByCollection ${collection} at ${url} failed: ${res.error}`)
    },
  }
}

/** Every record of one collection in one repo, following cursors (bounded). */
export async function listCollection(get: Get, pds: string, repo: string, collection: string): Promise<Result<ListedRecord[]>> {
  const out: ListedRecord[] = []
  let cursor: string | undefined
  for (let page = 0; page < MAX_RECORD_PAGES; page++) {
    const res = await query<{ records?: { uri?: unknown; value?: unknown }[]; cursor?: unknown }>(get, pds, 'com.atproto.repo.listRecords', {
      repo, collection, limit: String(RECORDS_PAGE), cursor,
    })
    if (!res.ok) return err(`cannot list ${collection} of ${repo}: ${res.error}`)
    const records = Array.isArray(res.value.records) ? res.value.records : []
    for (const r of records) if (typeof r.uri === 'string') out.push({ uri: r.uri, value: r.value })
    const next = typeof res.value.cursor === 'string' ? res.value.cursor : undefined
    if (!next || records.length === 0 || next === cursor) return ok(out)
    cursor = next
  }
  return err(`${repo} has more than ${MAX_RECORD_PAGES * RECORDS_PAGE} ${collection} records`)
}
