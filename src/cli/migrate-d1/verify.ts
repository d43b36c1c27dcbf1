/**
 * Step 4 of the design's migration ("verify feed generation works"): asks the operator's own
 * service, by polling within a bound, whether it has indexed each new config and answers its feed.
 */
import { NSID } from '../../core/nsid.js'

export interface VerifyTarget {
  uri: string
  id: string
}

export interface Verified {
  uri: string
  /** getCommunity answered 200. */
  indexed: boolean
  members?: number
  postsIndexed?: number
  moderators?: string[]
  parent?: string
  /** getFeedSkeleton answered 200 for at://<owner>/app.bsky.feed.generator/<id>. */
  feedAnswered: boolean
  feedPosts?: number
  /** The last answer or error while it was not yet seen. */
  lastError?: string
}

type Fetch = (url: string, init?: { signal?: AbortSignal }) => Promise<{ status: number; json(): Promise<unknown> }>

const REQUEST_TIMEOUT_MS = 5_000
const POLL_MS = 500

async function getJson(fetchFn: Fetch, url: string): Promise<{ status: number; body: any } | { error: string }> {
  try {
    const res = await fetchFn(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    const body = await res.json().catch(() => undefined)
    return { status: res.status, body }
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) }
  }
}

const describe = (r: { status: number; body: any } | { error: string }) =>
  'error' in r ? r.error : `${r.status}${r.body?.error ? ` ${r.body.error}` : ''}${r.body?.message ? `: ${r.body.message}` : ''}`

/** Polls until every community is indexed and its feed answers, or `timeoutMs` has passed. */
export async function verifyService(service: string, owner: string, targets: readonly VerifyTarget[], timeoutMs: number, fetchFn: Fetch = fetch): Promise<Verified[]> {
  const results = new Map<string, Verified>(targets.map((t) => [t.uri, { uri: t.uri, indexed: false, feedAnswered: false }]))
  const deadline = Date.now() + timeoutMs
  for (;;) {
    for (const t of targets) {
      const v = results.get(t.uri)!
      if (v.feedAnswered) continue
      const c = await getJson(fetchFn, `${service}/xrpc/${NSID.getCommunity}?community=${encodeURIComponent(t.uri)}`)
      if ('error' in c || c.status !== 200) {
        v.lastError = `getCommunity: ${describe(c)}`
        continue
      }
      v.indexed = true
      v.members = c.body?.counts?.members
      v.postsIndexed = c.body?.counts?.postsIndexed
      v.moderators = c.body?.moderators
      if (typeof c.body?.parent === 'string') v.parent = c.body.parent
      const feed = `at://${owner}/${NSID.feedGenerator}/${t.id}`
      const f = await getJson(fetchFn, `${service}/xrpc/${NSID.getFeedSkeleton}?feed=${encodeURIComponent(feed)}&limit=30`)
      if ('error' in f || f.status !== 200) {
        v.lastError = `getFeedSkeleton: ${describe(f)}`
        continue
      }
      v.feedAnswered = true
      v.feedPosts = Array.isArray(f.body?.feed) ? f.body.feed.length : 0
      delete v.lastError
    }
    const all = [...results.values()]
    if (all.every((v) => v.feedAnswered) || Date.now() >= deadline) return all
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))))
  }
}
