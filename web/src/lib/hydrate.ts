import { NSID } from '../../../src/core/nsid.js'
import type { WebClientConfig } from './config.js'
import type { IdentityResolver } from './identity.js'
import { xrpcGet } from './xrpc.js'

/** A post as the community page shows it. */
export interface ShownPost {
  uri: string
  author: string
  handle?: string
  text?: string
  createdAt?: string
  /** Why the text is missing (deleted, unreachable PDS), when it is. */
  missing?: string
}

const APPVIEW_BATCH = 25
const PDS_CONCURRENCY = 6

const parts = (uri: string) => {
  const [did = '', collection = '', rkey = ''] = uri.slice('at://'.length).split('/')
  return { did, collection, rkey }
}

async function mapLimited<T, R>(items: T[], limit: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await f(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

interface AppviewPost {
  uri: string
  author: { did: string; handle: string }
  record: { text?: string; createdAt?: string }
}

/**
 * The index holds only post URIs. Their text, author handle and time come from the AppView when the
 * deployment names one, else from each author's own PDS (com.atproto.repo.getRecord). Either way
 * the browser asks, never our server, so a post cannot aim the server at an address.
 */
export async function hydratePosts(cfg: WebClientConfig, ids: IdentityResolver, uris: string[]): Promise<ShownPost[]> {
  if (cfg.appviewUrl) {
    const found = new Map<string, AppviewPost>()
    const failed = new Set<string>()
    for (let i = 0; i < uris.length; i += APPVIEW_BATCH) {
      const batch = uris.slice(i, i + APPVIEW_BATCH)
      try {
        const r = await xrpcGet<{ posts: AppviewPost[] }>(cfg.appviewUrl, 'app.bsky.feed.getPosts', { uris: batch })
        for (const p of r.posts) found.set(p.uri, p)
      } catch {
        // One failed batch leaves its posts unhydrated, not the whole page.
        for (const u of batch) failed.add(u)
      }
    }
    return uris.map((uri) => {
      const p = found.get(uri)
      if (!p) return { uri, author: parts(uri).did, missing: failed.has(uri) ? 'the AppView did not answer' : 'not found on the AppView (deleted?)' }
      return { uri, author: p.author.did, handle: p.author.handle, text: p.record.text ?? '', ...(p.record.createdAt ? { createdAt: p.record.createdAt } : {}) }
    })
  }
  return mapLimited(uris, PDS_CONCURRENCY, async (uri): Promise<ShownPost> => {
    const { did, rkey } = parts(uri)
    const [identity, handle] = await Promise.all([ids.identity(did), ids.handleOf(did)])
    const base = { uri, author: did, ...(handle ? { handle } : {}) }
    if (!identity.pds) return { ...base, missing: "the author's PDS could not be found" }
    try {
      const r = await xrpcGet<{ value: { text?: string; createdAt?: string } }>(identity.pds.replace(/\/+$/, ''), 'com.atproto.repo.getRecord', { repo: did, collection: NSID.post, rkey })
      return { ...base, text: r.value.text ?? '', ...(r.value.createdAt ? { createdAt: r.value.createdAt } : {}) }
    } catch {
      return { ...base, missing: "not found on the author's PDS (deleted?)" }
    }
  })
}
