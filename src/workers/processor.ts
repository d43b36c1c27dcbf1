import { communityIdOf } from '../core/community-id.js'
import { DELETED_STATUS, recordUri, type AccountEvent, type RecordEvent } from '../core/events.js'
import { parseJetstreamFrame } from '../core/jetstream-frame.js'
import type { Logger } from '../core/logger.js'
import { NSID, WANTED_COLLECTIONS } from '../core/nsid.js'
import { postCommunityIds, validatePost } from '../core/post.js'
import { isConfigUri } from '../core/record-validation.js'
import type { ApplyResult } from './community-feed.js'
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

/** Passes on what one community object reports: its communities' global rows, and its configs to the tree. */
export async function publish(env: Env, id: string, result: ApplyResult): Promise<void> {
  for (const [community, { rows, removed, replace, legacyId }] of Object.entries(result.global)) {
    await globalStub(env, globalShardOf(id)).sync(community, rows, removed, replace, legacyId)
  }
  for (const [uri, entry] of Object.entries(result.configs)) {
    await directoryStub(env, COMMUNITIES_DIRECTORY).setCommunity(uri, entry ?? undefined)
  }
}

/**
 * A record: routed to each community object it names, and to those the directory shard remembers
 * it went to (deletes, updates that drop a community).
 */
export async function processRecord(e: RecordEvent, env: Env): Promise<void> {
  const uri = recordUri(e)
  const routed = e.collection !== NSID.config
  const shard = routed ? directoryStub(env, directoryShardOf(e.did)) : undefined
  const previous = shard ? await shard.lookup(uri, e.op === 'delete' && e.collection === NSID.post) : []
  const targets = [...new Set([...previous, ...namedCommunities(e)])]
  const holding: string[] = []
  for (const id of targets) {
    const result = await communityStub(env, id).apply([e])
    await publish(env, id, result)
    if (e.collection === NSID.post ? result.posts[uri] : routed && e.op !== 'delete') holding.push(id)
  }
  if (shard && (previous.length > 0 || holding.length > 0)) await shard.route(uri, holding)
}

/**
 * An account status (SPEC §4): to every community object that holds something of the account, its
 * records (by the directory shard's routes for its repo) or the communities it owns. Deleted, its
 * records and communities are gone from them, so the directory forgets them too.
 */
async function processAccount(e: AccountEvent, env: Env): Promise<void> {
  const shard = directoryStub(env, directoryShardOf(e.did))
  const [held, owned] = await Promise.all([shard.repoCommunities(e.did), directoryStub(env, COMMUNITIES_DIRECTORY).ownedBy(e.did)])
  for (const id of new Set([...held, ...owned])) await publish(env, id, await communityStub(env, id).apply([e]))
  if (e.status === DELETED_STATUS && held.length > 0) await shard.forgetRepo(e.did)
}

/**
 * Posts a community object indexed outside the stream (a join backfill): each repo's directory shard
 * learns that `id` holds them, so their deletes and updates reach it.
 */
export async function routePosts(env: Env, id: string, result: ApplyResult): Promise<void> {
  for (const [uri, held] of Object.entries(result.posts)) {
    if (!held) continue
    const shard = directoryStub(env, directoryShardOf(uri.slice('at://'.length, uri.indexOf('/', 'at://'.length))))
    const previous = await shard.lookup(uri)
    if (!previous.includes(id)) await shard.route(uri, [...previous, id])
  }
}

/** Stage 2 on Workers: strict parse, then routing to each community's Durable Object. */
export async function processFrame(raw: string, env: Env, log: Logger): Promise<void> {
  const parsed = parseJetstreamFrame(raw, COLLECTIONS)
  if (!parsed.ok) {
    log.warn({ reason: parsed.error, frame: raw.slice(0, 200) }, 'malformed frame skipped')
    return
  }
  const e = parsed.value
  if (!e) return
  await (e.op === 'account' ? processAccount(e, env) : processRecord(e, env))
}

/**
 * The FirehoseProcessor: messages in order, each acked only once applied. On a failure the
 * message and everything after it are retried (then dead-lettered), never skipped.
 */
export async function processBatch(batch: MessageBatch<string>, env: Env, log: Logger): Promise<void> {
  const messages = batch.messages
  for (let i = 0; i < messages.length; i++) {
    const msg = messages[i]!
    try {
      await processFrame(msg.body, env, log)
      msg.ack()
    } catch (error) {
      log.error({ err: error, id: msg.id, attempts: msg.attempts }, 'queue message failed; retrying it and the rest of the batch')
      for (const rest of messages.slice(i)) rest.retry()
      return
    }
  }
}
