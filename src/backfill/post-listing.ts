import { NSID } from '../core/nsid.js'
import { err, ok, type Result } from '../core/result.js'
import { datetimeToUs } from '../core/time.js'
import { tidTimeUs } from '../records/tid.js'
import { boundedJson, REQUEST_TIMEOUT_MS } from './bounded-json.js'

export interface ListedPost {
  rkey: string
  record: unknown
}

export interface PoliteOptions {
  /** Requests per second to one host (10). */
  perHostPerSec?: number
  /** 429s retried per request (5), each after the server's Retry-After, capped at `maxWaitMs` (60 s). */
  maxRetries?: number
  maxWaitMs?: number
  fetch?: typeof fetch
  sleep?: (ms: number) => Promise<void>
}

/**
 * GETs that keep to a request rate per host and honour 429 and Retry-After: a busy PDS slows the
 * backfill down instead of failing it.
 */
export function politeGet(opts: PoliteOptions = {}): (url: string) => Promise<Response> {
  const gapMs = 1000 / (opts.perHostPerSec ?? 10)
  const doFetch = opts.fetch ?? fetch
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const next = new Map<string, number>()
  return async (url) => {
    const host = new URL(url).host
    for (let attempt = 0; ; attempt++) {
      // Each request books the next free slot of its host before it waits, so concurrent callers queue.
      const at = Math.max(Date.now(), next.get(host) ?? 0)
      next.set(host, at + gapMs)
      if (at > Date.now()) await sleep(at - Date.now())
      const res = await doFetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
      if (res.status !== 429 || attempt >= (opts.maxRetries ?? 5)) return res
      await res.body?.cancel()
      const after = Number(res.headers.get('retry-after'))
      const waitMs = Math.min(opts.maxWaitMs ?? 60_000, Number.isFinite(after) && after > 0 ? after * 1000 : 1000 * 2 ** attempt)
      next.set(host, Math.max(next.get(host) ?? 0, Date.now() + waitMs))
    }
  }
}

/** Pages read at most per author: 10,000 posts, far beyond a week of anyone's posting. */
const MAX_PAGES = 100

/** When a post was written, as far as its listing order goes: its TID, else its claimed createdAt. */
function writtenUs(rkey: string, record: unknown): number | undefined {
  const createdAt = (record as { createdAt?: unknown } | null)?.createdAt
  return tidTimeUs(rkey) ?? (typeof createdAt === 'string' ? datetimeToUs(createdAt) : undefined)
}

/**
 * An author's posts written since `minUs`, from their own PDS, newest first (listRecords' order),
 * stopping at the first older one.
 */
export async function listRecentPosts(get: (url: string) => Promise<Response>, pds: string, did: string, minUs: number): Promise<Result<ListedPost[]>> {
  const out: ListedPost[] = []
  let cursor: string | undefined
  for (let page = 0; page < MAX_PAGES; page++) {
    const q = new URLSearchParams({ repo: did, collection: NSID.post, limit: '100', ...(cursor ? { cursor } : {}) })
    let body: { records?: { uri: string; value: unknown }[]; cursor?: string }
    try {
      const res = await get(`${pds.replace(/\/+$/, '')}/xrpc/com.atproto.repo.listRecords?${q}`)
      if (!res.ok) return err(`cannot list posts of ${did}: HTTP ${res.status}${res.status === 429 ? ' (rate limited)' : ''}`)
      body = (await boundedJson(res)) as typeof body
    } catch (e) {
      return err(`cannot list posts of ${did}: ${e instanceof Error ? e.message : String(e)}`)
    }
    const records = Array.isArray(body.records) ? body.records : []
    for (const r of records) {
      const rkey = typeof r.uri === 'string' ? (r.uri.split('/').pop() ?? '') : ''
      const at = writtenUs(rkey, r.value)
      if (at !== undefined && at < minUs) return ok(out)
      out.push({ rkey, record: r.value })
    }
    if (!body.cursor || records.length === 0 || body.cursor === cursor) return ok(out)
    cursor = body.cursor
  }
  return ok(out)
}

/**
 * Reads a member's recent posts from the PDS their DID document names, politely: what join backfill
 * runs per author. One instance per host keeps one request rate per PDS across every job.
 */
export function memberPostLister(o: {
  pdsOf: (did: string) => Promise<Result<string>>
  fetch?: typeof fetch
  perHostPerSec?: number
}): (did: string, minUs: number) => Promise<Result<ListedPost[]>> {
  const get = politeGet({ perHostPerSec: o.perHostPerSec ?? 10, ...(o.fetch ? { fetch: o.fetch } : {}) })
  return async (did, minUs) => {
    const pds = await o.pdsOf(did)
    return pds.ok ? listRecentPosts(get, pds.value, did, minUs) : pds
  }
}
