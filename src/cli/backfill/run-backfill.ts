import type { Indexer } from '../../core/indexer.js'
import { eachCommunity, eachMember } from '../../core/community-pages.js'
import type { Store } from '../../core/store.js'
import { NSID } from '../../core/nsid.js'
import { err, ok, type Result } from '../../core/result.js'
import type { Identity } from '../identity.js'
import { parseRecordUri } from '../repo.js'
import { orderForApply, toCreateEvent } from './apply-order.js'
import type { BackfillState, StagedRecord } from './backfill-state.js'
import { forEachBounded } from './pool.js'
import { listRecentPosts, politeGet } from '../../backfill/post-listing.js'
import type { RepoEvent } from '../../core/events.js'
import { tidTimeUs } from '../../records/tid.js'
import type { Progress } from './progress.js'
import { BACKFILL_COLLECTIONS, listCollection, type RepoRef, type RepoSource } from '../../backfill/repo-listing.js'

export interface BackfillOptions {
  source: RepoSource
  state: BackfillState
  indexer: Indexer
  /** The index the records go into: its communities' members are whose posts are read. */
  store: Store
  /** Requests per second to one PDS while reading posts (10). */
  perHostPerSec?: number
  /** How PDSs are reached: the service passes one that connects only to public addresses. */
  fetch?: typeof fetch
  identity: Identity
  progress: Progress
  concurrency: number
  /** Debugging aid: read at most this many repos, then stop with progress saved. */
  limitRepos?: number
  interrupted: () => boolean
}

export interface BackfillSummary {
  complete: boolean
  repos: { total: number; done: number; readThisRun: number; failed: { did: string; error: string }[] }
  /** Records read and passed to the Indexer, which may still reject some (`rejected`). */
  records: { configs: number; memberships: number; actions: number }
  /** Records and posts the index held of repos read completely, which their PDS no longer has. */
  deleted: number
  /** Members whose posts were read, and the posts passed to the Indexer (it keeps those naming a community). */
  posts: { authors: number; read: number; failed: { did: string; error: string }[] }
  rejected: number
}

/** Upper bound on listing pages: 10 million repos at 1000 a page. */
const MAX_LISTING_PAGES = 10_000
const APPLY_CHUNK = 500

async function listRepos(o: BackfillOptions): Promise<Result<void>> {
  for (const listing of o.source.listings) {
    let { cursor, done } = o.state.listing(listing)
    for (let page = 0; !done && page < MAX_LISTING_PAGES; page++) {
      if (o.interrupted()) return err('interrupted while listing repos; run again to resume')
      const res = await o.source.page(listing, cursor)
      if (!res.ok) return res
      o.state.saveListingPage(listing, res.value.repos, res.value.cursor)
      done = res.value.cursor === undefined || res.value.cursor === cursor
      cursor = res.value.cursor
    }
  }
  return ok(undefined)
}

async function readRepo(o: BackfillOptions, repo: RepoRef): Promise<Result<StagedRecord[]>> {
  let pds = repo.pds
  if (!pds) {
    const found = await o.identity.pdsOf(repo.did)
    if (!found.ok) return found
    pds = found.value
  }
  const out: StagedRecord[] = []
  for (const collection of BACKFILL_COLLECTIONS) {
    const records = await listCollection(o.fetch ?? fetch, pds, repo.did, collection)
    if (!records.ok) return records
    for (const r of records.value) out.push({ uri: r.uri, did: repo.did, collection, rkey: parseRecordUri(r.uri).rkey, record: r.value })
  }
  return ok(out)
}

const deleteEvent = (uri: string, timeUs: number): RepoEvent => {
  const { did, collection, rkey } = parseRecordUri(uri)
  return { op: 'delete', did, collection, rkey, timeUs, cursor: 0 }
}

/**
 * Two backfills give the state of the PDSs, not the union of history: a record the index holds of
 * a repo read completely, which the repo no longer has, is deleted through the Indexer.
 */
function removeDeleted(o: BackfillOptions, read: Set<string>, nowUs: number): number {
  const gone: RepoEvent[] = []
  for (const did of o.state.doneRepos()) {
    const held = [...o.store.membershipsOf(did), ...o.store.actionsOf(did), ...Array.from(eachCommunity(o.store, did), (c) => c.uri)]
    for (const uri of held) if (!read.has(uri)) gone.push(deleteEvent(uri, nowUs))
  }
  for (let i = 0; i < gone.length; i += APPLY_CHUNK) o.indexer.applyBatch(gone.slice(i, i + APPLY_CHUNK))
  return gone.length
}

/** Every member of every community: owner, moderators and active memberships (SPEC §3, §4). */
function allMembers(store: Store): Set<string> {
  const out = new Set<string>()
  for (const c of eachCommunity(store)) for (const did of eachMember(store, c)) out.add(did)
  return out
}

/**
 * Posts (issue #13): each member's posts within the retention window, from their own PDS, indexed
 * as the stream would have (SPEC §4: sort time is the earlier of createdAt and the time read).
 * Resumable per author; a PDS that answers 429 is waited for, not failed.
 */
async function backfillPosts(o: BackfillOptions, summary: BackfillSummary): Promise<Result<void>> {
  if (!o.state.hasPostAuthors()) o.state.addPostAuthors(allMembers(o.store))
  const pending = o.state.pendingPostAuthors()
  summary.posts.authors = pending.length
  const get = politeGet({ perHostPerSec: o.perHostPerSec ?? 10, ...(o.fetch ? { fetch: o.fetch } : {}) })
  const minUs = o.indexer.minSortUs()
  o.progress.start(pending.length, 0)
  await forEachBounded(pending, o.concurrency, async (did) => {
    const pds = await o.identity.pdsOf(did)
    const posts = pds.ok ? await listRecentPosts(get, pds.value, did, minUs) : pds
    if (!posts.ok) {
      o.state.failPostAuthor(did, posts.error)
      summary.posts.failed.push({ did, error: posts.error })
      o.progress.note(`posts of ${did} skipped: ${posts.error}`)
    } else {
      const nowUs = Date.now() * 1000
      // Posts the index holds that the listing would have returned but did not: deleted since.
      const listed = new Set(posts.value.map((p) => p.rkey))
      const gone = o.store.authorPosts(did).filter((uri) => {
        const rkey = parseRecordUri(uri).rkey
        return !listed.has(rkey) && (tidTimeUs(rkey) ?? minUs) >= minUs
      })
      o.state.finishPostAuthor(did, () => {
        const events = [...gone.map((uri) => deleteEvent(uri, nowUs)), ...posts.value.map((p) => toCreateEvent({ did, collection: NSID.post, rkey: p.rkey, record: p.record }, nowUs))]
        for (let i = 0; i < events.length; i += APPLY_CHUNK) o.indexer.applyBatch(events.slice(i, i + APPLY_CHUNK))
      })
      summary.deleted += gone.length
      summary.posts.read += posts.value.length
    }
    o.progress.tick(!posts.ok)
  }, o.interrupted)
  o.progress.finish()
  if (o.interrupted()) return err('interrupted while reading posts; run again to resume')
  return ok(undefined)
}

/** Lists repos, reads their records with bounded concurrency, then applies them in SPEC §1 order. */
export async function runBackfill(o: BackfillOptions): Promise<Result<BackfillSummary>> {
  const listed = await listRepos(o)
  if (!listed.ok) return listed
  const pending = o.state.pendingRepos()
  const batch = o.limitRepos === undefined ? pending : pending.slice(0, o.limitRepos)
  const before = o.state.counts()
  o.progress.start(before.total, before.done)
  const failed: { did: string; error: string }[] = []
  let readThisRun = 0
  await forEachBounded(batch, o.concurrency, async (repo) => {
    const records = await readRepo(o, repo)
    if (records.ok) {
      o.state.finishRepo(repo.did, records.value)
      readThisRun++
    } else {
      o.state.failRepo(repo.did, records.error)
      failed.push({ did: repo.did, error: records.error })
      o.progress.note(`skipped ${repo.did}: ${records.error}`)
    }
    o.progress.tick(!records.ok)
  }, o.interrupted)
  o.progress.finish()

  const counts = o.state.counts()
  const summary: BackfillSummary = {
    complete: false,
    repos: { ...counts, readThisRun, failed },
    records: { configs: 0, memberships: 0, actions: 0 },
    deleted: 0,
    posts: { authors: 0, read: 0, failed: [] },
    rejected: 0,
  }
  if (o.interrupted()) return err(`interrupted after ${counts.done}/${counts.total} repos; run again to resume`)
  if (counts.done + failed.length < counts.total) return ok(summary)

  const ordered = orderForApply(o.state.stagedRecords())
  const nowUs = Date.now() * 1000
  const invalidBefore = Object.values(o.indexer.stats.invalid).reduce((a, b) => a + b, 0)
  for (let i = 0; i < ordered.length; i += APPLY_CHUNK) {
    o.indexer.applyBatch(ordered.slice(i, i + APPLY_CHUNK).map((r) => toCreateEvent(r, nowUs)))
  }
  const count = (collection: string) => ordered.filter((r) => r.collection === collection).length
  summary.records = { configs: count(NSID.config), memberships: count(NSID.membership), actions: count(NSID.action) }
  summary.deleted = removeDeleted(o, new Set(ordered.map((r) => r.uri)), nowUs)
  const posts = await backfillPosts(o, summary)
  if (!posts.ok) return posts
  summary.rejected = Object.values(o.indexer.stats.invalid).reduce((a, b) => a + b, 0) - invalidBefore
  // Failed repos keep the run open, so the next run retries just them and re-applies the rest.
  summary.complete = failed.length === 0 && summary.posts.failed.length === 0
  if (summary.complete) o.state.clear()
  return ok(summary)
}
