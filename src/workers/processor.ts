import { communityIdOf } from '../core/community-id.js'
import { DELETED_STATUS, recordUri, type RecordEvent, type RepoEvent } from '../core/events.js'
import { parseJetstreamFrame } from '../core/jetstream-frame.js'
import type { Logger } from '../core/logger.js'
import { NSID, WANTED_COLLECTIONS } from '../core/nsid.js'
import { postCommunityIds, validatePost } from '../core/post.js'
import { isConfigUri } from '../core/record-validation.js'
import type { ApplyResult } from './community-feed.js'
import { unpackMessage } from './queue-limits.js'
import { COMMUNITIES_DIRECTORY, communityStub, directoryShardOf, directoryStub, globalShardOf, globalStub } from './routing.js'

const COLLECTIONS = new Set<string>(WANTED_COLLECTIONS)

/** The community ids an event itself names: a config's own id, a record's `community`, a post's hashtags. */
function namedCommunities(e: RecordEvent): string[] {
  if (e.op === 'delete') return e.collection === NSID.config ? [communityIdOf(recordUri(e))] : []
  if (e.collection === NSID.config) return [communityIdOf(recordUri(e))]
  if (e.collection === NSID.post) {
    const post = validatePost(e.record)
    return post.ok ? postCommunityIds(post.value) : []
  }
  const community = (e.record as { community?: unknown }).community
  return typeof community === 'string' && isConfigUri(community) ? [communityIdOf(community)] : []
}

/** Groups items by a key, keeping first-seen order. */
function groupBy<T>(items: Iterable<T>, key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const t of items) out.set(key(t), [...(out.get(key(t)) ?? []), t])
  return out
}

/**
 * Where each event must go. A config goes to its own id; another record to the ids it names and to
 * those the directory says may hold it (a delete names none; an update may drop one); an account
 * status to every id holding something of the repo or a community it owns. The directory is asked
 * once per shard for the whole batch; what an earlier event of the batch routed counts too.
 */
async function targetsOf(events: readonly RepoEvent[], env: Env): Promise<string[][]> {
  const asks = events.filter((e): e is RecordEvent => e.op !== 'account' && e.collection !== NSID.config && e.op !== 'create')
  const known: Record<string, string[]> = {}
  await Promise.all([...groupBy(asks, (e) => directoryShardOf(e.did))].map(async ([shard, es]) => {
    Object.assign(known, await directoryStub(env, shard).lookupMany(es.map(recordUri)))
  }))
  const batchRoutes = new Map<string, string[]>()
  const out: string[][] = []
  for (const e of events) {
    if (e.op === 'account') {
      const [held, owned] = await Promise.all([directoryStub(env, directoryShardOf(e.did)).repoCommunities(e.did), directoryStub(env, COMMUNITIES_DIRECTORY).ownedBy(e.did)])
      out.push([...new Set([...held, ...owned])])
      continue
    }
    const uri = recordUri(e)
    const ids = [...new Set([...(known[uri] ?? []), ...(batchRoutes.get(uri) ?? []), ...namedCommunities(e)])]
    if (e.collection !== NSID.config) batchRoutes.set(uri, ids)
    out.push(ids)
  }
  return out
}

/**
 * Applies a batch of events: one `apply` per community object with its events in stream order,
 * then one report per global shard and one routing update per directory shard. Every step is
 * idempotent, so a batch retried after a partial failure re-applies what already succeeded
 * harmlessly.
 */
export async function applyEvents(events: readonly RepoEvent[], env: Env): Promise<void> {
  const targets = await targetsOf(events, env)
  const perCommunity = new Map<string, RepoEvent[]>()
  events.forEach((e, i) => {
    for (const id of targets[i]!) perCommunity.set(id, [...(perCommunity.get(id) ?? []), e])
  })
  const results = new Map<string, ApplyResult>()
  for (const [id, es] of perCommunity) results.set(id, await communityStub(env, id).apply(es))
  await publishAll(env, results)
  await routeAll(env, events, targets, results)
  const deleted = events.filter((e) => e.op === 'account' && e.status === DELETED_STATUS)
  for (const e of deleted) await directoryStub(env, directoryShardOf(e.did)).forgetRepo(e.did)
}

/** Passes on what community objects report: global rows per shard, and configs to the tree. */
export async function publishAll(env: Env, results: Map<string, ApplyResult>): Promise<void> {
  const reports = [...results].flatMap(([id, result]) => Object.entries(result.global).map(([community, report]) => ({ shard: globalShardOf(id), community, ...report })))
  for (const [shard, rs] of groupBy(reports, (r) => r.shard)) await globalStub(env, shard).syncMany(rs)
  for (const result of results.values()) {
    for (const [uri, entry] of Object.entries(result.configs)) await directoryStub(env, COMMUNITIES_DIRECTORY).setCommunity(uri, entry ?? undefined)
  }
}

/** One routing update per directory shard: records where they are held now, and authors' communities. */
async function routeByShard(env: Env, records: { did: string; uri: string; ids: string[] }[], authors: { did: string; id: string }[]): Promise<void> {
  const recordsOf = groupBy(records, (r) => directoryShardOf(r.did))
  const authorsOf = groupBy(authors, (a) => directoryShardOf(a.did))
  for (const shard of new Set([...recordsOf.keys(), ...authorsOf.keys()])) {
    const rs = (recordsOf.get(shard) ?? []).map((r): [string, string[]] => [r.uri, r.ids])
    await directoryStub(env, shard).routeMany(rs, (authorsOf.get(shard) ?? []).map((a): [string, string] => [a.did, a.id]))
  }
}

/** Routes these authors' post deletes to these communities (members whose posts are being read). */
export const routeAuthors = (env: Env, authors: { did: string; id: string }[]): Promise<void> => routeByShard(env, [], authors)

/**
 * What the directory must learn: a post's author now has posts in the communities holding it, a
 * new member's posts may come to their community (join backfill), and a membership or action is
 * held where it was applied (a delete forgets it).
 */
async function routeAll(env: Env, events: readonly RepoEvent[], targets: string[][], results: Map<string, ApplyResult>): Promise<void> {
  const records: { did: string; uri: string; ids: string[] }[] = []
  const authors: { did: string; id: string }[] = []
  events.forEach((e, i) => {
    if (e.op === 'account' || e.collection === NSID.config) return
    const uri = recordUri(e)
    if (e.collection === NSID.post) {
      for (const id of targets[i]!) if (results.get(id)?.posts[uri]) authors.push({ did: e.did, id })
    } else records.push({ did: e.did, uri, ids: e.op === 'delete' ? [] : targets[i]! })
  })
  for (const [id, result] of results) for (const did of result.joined) authors.push({ did, id })
  await routeByShard(env, records, authors)
}

/**
 * Reports what one community object applied on its own (a join backfill): to the global index and
 * the directory, as a queue batch's apply would be.
 */
export async function reportApplied(env: Env, id: string, events: readonly RepoEvent[], result: ApplyResult): Promise<void> {
  const results = new Map([[id, result]])
  await publishAll(env, results)
  await routeAll(env, events, events.map(() => [id]), results)
}

/** Strict parse of one frame; a malformed one is logged and skipped. */
function parseFrame(raw: string, log: Logger): RepoEvent | undefined {
  const parsed = parseJetstreamFrame(raw, COLLECTIONS)
  if (parsed.ok) return parsed.value ?? undefined
  log.warn({ reason: parsed.error, frame: raw.slice(0, 200) }, 'malformed frame skipped')
  return undefined
}

/**
 * Stage 2 on Workers, the FirehoseProcessor: every frame of every message of a batch, strictly
 * parsed, applied as one batch (see applyEvents). The messages are acked together once it is
 * applied; on a failure all are retried (then dead-lettered), never skipped.
 */
export async function processBatch(batch: MessageBatch<string>, env: Env, log: Logger): Promise<void> {
  const events: RepoEvent[] = []
  for (const msg of batch.messages) {
    let frames: string[]
    try {
      frames = unpackMessage(msg.body)
    } catch (error) {
      // A message that is not frames can never become frames: retrying it would only dead-letter it.
      log.error({ err: error, id: msg.id }, 'queue message is not frames; dropped')
      msg.ack()
      continue
    }
    for (const raw of frames) {
      const e = parseFrame(raw, log)
      if (e) events.push(e)
    }
  }
  try {
    await applyEvents(events, env)
    for (const msg of batch.messages) msg.ack()
  } catch (error) {
    log.error({ err: error, messages: batch.messages.length, events: events.length }, 'queue batch failed; retrying it')
    for (const msg of batch.messages) msg.retry()
  }
}
