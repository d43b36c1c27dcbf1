import { communityIdOf } from '../core/community-id.js'
import { entryOf } from '../core/community-tree.js'
import { recordUri, type RepoEvent } from '../core/events.js'
import { parseJetstreamFrame } from '../core/jetstream-frame.js'
import type { Logger } from '../core/logger.js'
import { NSID, WANTED_COLLECTIONS } from '../core/nsid.js'
import { postCommunityIds, validatePost } from '../core/post.js'
import { isConfigUri } from '../core/record-validation.js'
import { COMMUNITIES_DIRECTORY, communityStub, directoryShardOf, directoryStub, globalShardOf, globalStub } from './routing.js'

const COLLECTIONS = new Set<string>(WANTED_COLLECTIONS)

/** The communities an event itself names: a config's own id, a record's `community`, a post's hashtags. */
function namedCommunities(e: RepoEvent): string[] {
  if (e.op === 'delete') return e.collection === NSID.config ? [communityIdOf(recordUri(e))] : []
  if (e.collection === NSID.config) return [communityIdOf(recordUri(e))]
  if (e.collection === NSID.post) {
    const post = validatePost(e.record)
    return post.ok ? postCommunityIds(post.value) : []
  }
  const community = (e.record as { community?: unknown }).community
  return typeof community === 'string' && isConfigUri(community) ? [communityIdOf(community)] : []
}

/**
 * Stage 2 on Workers: strict parse, then routing to each community's Durable Object. Records
 * that need a directory (deletes, updates that drop a community) are routed through the shard
 * that remembers where the record went.
 */
export async function processFrame(raw: string, env: Env, log: Logger): Promise<void> {
  const parsed = parseJetstreamFrame(raw, COLLECTIONS)
  if (!parsed.ok) {
    log.warn({ reason: parsed.error, frame: raw.slice(0, 200) }, 'malformed frame skipped')
    return
  }
  const e = parsed.value
  if (!e) return
  const uri = recordUri(e)
  const routed = e.collection !== NSID.config
  const shard = routed ? directoryStub(env, directoryShardOf(e.did)) : undefined
  const previous = shard ? await shard.lookup(uri) : []
  const targets = [...new Set([...previous, ...namedCommunities(e)])]
  const holding: string[] = []
  for (const id of targets) {
    const result = await communityStub(env, id).apply([e])
    const { rows, removed, replace } = result.global
    if (rows.length > 0 || removed.length > 0 || replace) await globalStub(env, globalShardOf(id)).sync(id, rows, removed, replace)
    if (e.collection === NSID.config) {
      await directoryStub(env, COMMUNITIES_DIRECTORY).setCommunity(id, result.community && entryOf(result.community))
    } else if (e.collection === NSID.post ? result.posts[uri] : e.op !== 'delete') {
      holding.push(id)
    }
  }
  if (shard && (previous.length > 0 || holding.length > 0)) await shard.route(uri, holding)
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
