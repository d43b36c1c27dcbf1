import { DurableObject } from 'cloudflare:workers'
import type { ParentResolution } from '../core/community-parent.js'
import { eachCommunity, eachMember } from '../core/community-pages.js'
import { authorities } from '../core/moderation.js'
import { entryOf, type CommunityEntry } from '../core/community-tree.js'
import { recordUri, type RepoEvent } from '../core/events.js'
import { MAX_ROWS_PER_ENTRY, type FeedEntry } from '../core/feed-mix.js'
import { shownPins } from '../core/pinned-posts.js'
import { applyInteractions, type Interaction } from '../core/interactions.js'
import { feedCommunity, personalize, skeletonPage, stateOf, type FeedError, type Skeleton, type SkeletonParams } from '../core/feed-service.js'
import { Indexer } from '../core/indexer.js'
import type { Logger } from '../core/logger.js'
import { NSID } from '../core/nsid.js'
import { ReadService } from '../core/read-service.js'
import { purgeChunk, purgedFull } from '../core/retention.js'
import type { ActionView, CommunityCore, CommunityPageParams, CommunityParams, MemberView, Paged, PostView, ReadResult } from '../core/read-views.js'
import { ok, type Result } from '../core/result.js'
import type { Store, StoredConfig } from '../core/store.js'
import { US_PER_DAY } from '../core/time.js'
import { SqlStore } from '../store/sql-store.js'
import { consoleLogger } from './console-logger.js'
import { DoSqlDriver } from './do-sql-driver.js'
import { DeletedActionTargets, reportAfter, touchedBy, type GlobalReport } from './global-report.js'
import { NeedMore, resolveParentRemote, visiblePostsIn, workerSources } from './mixed-sources.js'
import { visibleAmong } from '../core/visible-among.js'
import { settingsOf } from './settings.js'
import type { JoinBackfiller } from '../backfill/join-backfill.js'
import { workerJoinBackfiller } from './worker-join-backfill.js'

const RETENTION_EVERY_MS = 3_600_000
const PURGE_CHUNK = 2000
/** Authors whose posts one alarm reads: a step stays well inside an alarm's limits. */
const JOIN_AUTHORS_PER_ALARM = 4
const RETENTION_AT = 'retentionAt'

export interface ApplyResult {
  /** Each community the batch wrote or removed, by config URI: as the tree knows it now, or null when gone. */
  configs: Record<string, CommunityEntry | null>
  /** For each post URI in the batch: whether a community here now indexes it. */
  posts: Record<string, boolean>
  /** By config URI: what the global recent-posts index must learn from this batch. */
  global: Record<string, GlobalReport>
  /**
   * Members whose join backfill this batch queued: the directory routes their post deletes here
   * from now on, so a delete during the fetch wins over the listing (issue #13).
   */
  joined: string[]
}

/** The index of one object: created on the first write that can need it, never by a read. */
interface Index {
  store: SqlStore
  indexer: Indexer
  reads: ReadService
  deletedActions: DeletedActionTargets
  joins: JoinBackfiller
}

/** Alarm runs in this isolate: each is billed as a Durable Object request (the cost model counts them). */
export const alarmRuns = { count: 0 }

/** Authors a batch may have made members whose join backfill is now queued here. */
function joinedBy(events: readonly RepoEvent[], store: Store): string[] {
  const candidates = new Set<string>()
  for (const e of events) {
    if (e.op === 'account' || e.op === 'delete') continue
    if (e.collection === NSID.membership) candidates.add(e.did)
    else if (e.collection === NSID.config) for (const c of allCommunities(store)) for (const did of authorities(c)) candidates.add(did)
  }
  return [...candidates].filter((did) => store.hasJoinBackfill(did))
}

/** Every community this object holds: usually one, several when their ids collide. */
function allCommunities(store: Store): StoredConfig[] {
  return [...eachCommunity(store)]
}

/**
 * An object that holds nothing answers as a store with no community: the core ReadService checks
 * parameters and then finds none before it reads anything else.
 */
const noCommunities = { getConfig: () => undefined, communitiesWithId: () => [] }
const noCommunityReads = new ReadService({ store: noCommunities as Partial<Store> as Store, minSortUs: () => 0 })

/**
 * The communities with one id: the core Indexer, feed mix and read queries over this object's
 * SQLite. The store keeps communities that share the id apart by config URI (SPEC §1).
 */
export class CommunityFeedGenerator extends DurableObject<Env> {
  #index: Index | undefined
  /** When retention is next due (epoch ms), as stored under RETENTION_AT; read once per instance. */
  #retentionAt: number | undefined
  private readonly log: Logger

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.log = consoleLogger(settingsOf(env).logLevel, { do: 'community' })
  }

  private open(): Index {
    if (this.#index) return this.#index
    const settings = settingsOf(this.env)
    const db = new DoSqlDriver(this.ctx.storage)
    // One id's communities: the global mix comes from the shards, so no index of all posts by time.
    const store = new SqlStore(db, { globalIndex: false })
    const indexer = new Indexer({ store, log: this.log, retentionUs: settings.retentionDays * US_PER_DAY })
    const id = () => allCommunities(store)[0]?.id
    const joins = workerJoinBackfiller({ env: this.env, store, indexer, log: this.log, id, apply: (events) => this.apply(events) })
    this.#index = { store, indexer, reads: new ReadService({ store, minSortUs: () => indexer.minSortUs() }), deletedActions: new DeletedActionTargets(db), joins }
    return this.#index
  }

  /**
   * The index if this object has one. Anyone can ask for any id, so a read of an object that was
   * never written answers "unknown" without creating the schema.
   */
  private existing(): Index | undefined {
    if (this.#index) return this.#index
    const schema = this.ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'configs'").toArray()
    return schema.length > 0 ? this.open() : undefined
  }

  async apply(events: RepoEvent[]): Promise<ApplyResult> {
    // A post or an account status adds no community: where there is none, it has nothing to do.
    const writes = events.some((e) => e.op !== 'account' && e.collection !== NSID.post)
    const index = writes ? this.open() : this.existing()
    if (!index) return { configs: {}, posts: {}, global: {}, joined: [] }
    const { store, indexer, deletedActions } = index
    const before = allCommunities(store)
    const touched = touchedBy(events, store, before.map((c) => c.uri), deletedActions, Date.now() * 1000)
    indexer.applyBatch(events)
    // Retention is armed on the first write, then re-armed by the alarm itself; a join backfill
    // queued by this batch brings the alarm forward.
    this.#retentionAt ??= await this.ctx.storage.get<number>(RETENTION_AT)
    if (this.#retentionAt === undefined) {
      this.#retentionAt = Date.now() + RETENTION_EVERY_MS
      await this.ctx.storage.put(RETENTION_AT, this.#retentionAt)
      await this.#arm(store)
    } else if (store.nextJoinBackfillUs() !== undefined) await this.#arm(store)
    const posts: Record<string, boolean> = {}
    const configs: Record<string, CommunityEntry | null> = {}
    const after = new Map(allCommunities(store).map((c) => [c.uri, c]))
    for (const e of events) {
      if (e.op === 'account') continue
      const uri = recordUri(e)
      if (e.collection === NSID.post) posts[uri] = store.postCommunities(uri).length > 0
      else if (e.collection === NSID.config) configs[uri] = after.has(uri) ? entryOf(after.get(uri)!) : null
    }
    for (const c of before) if (!after.has(c.uri)) configs[c.uri] = null
    const global: Record<string, GlobalReport> = {}
    for (const uri of new Set([...before.map((c) => c.uri), ...after.keys()])) {
      const report = reportAfter(touched, store, uri, after.has(uri))
      if (report.rows.length === 0 && report.removed.length === 0 && !report.replace) continue
      global[uri] = report
    }
    return { configs, posts, global, joined: joinedBy(events, store) }
  }

  /** getFeedSkeleton with the feed mix: own posts here, parent by RPC, global from the shards. */
  async skeleton(params: SkeletonParams): Promise<Result<Skeleton, FeedError>> {
    const index = this.existing()
    // The publisher picks among communities that share the id, as in the core FeedService (SPEC §1).
    const selected = feedCommunity(index?.store ?? noCommunities, params.feed, this.log)
    if (!selected.ok) return selected
    const { store, indexer } = index!
    const community = selected.value
    const state = stateOf(params.cursor)
    if (!state.ok) return state
    const resolved: ParentResolution<CommunityEntry> = community.config.feedMix.parent > 0 ? await resolveParentRemote(this.env, community) : { parent: undefined }
    if (resolved.parent === undefined && resolved.reason) {
      this.log.warn({ community: community.uri, parent: community.config.parentCommunity, reason: resolved.reason }, 'parent community ignored')
    }
    // The core mix gives a page at most MAX_ROWS_PER_ENTRY × limit entries of a source, read in
    // chunks of at most limit + 16 (SPEC §7, bounded work): prefetching that much can never run
    // dry, whatever the cursor. Most pages need far less, so a small read comes first.
    const bound = MAX_ROWS_PER_ENTRY * params.limit + params.limit + 16
    for (const n of [Math.min(params.limit * 2 + 16, bound), bound]) {
      const sources = await workerSources(this.env, store, community, state.value, n, indexer.minSortUs(), resolved.parent)
      try {
        const page = skeletonPage(community, sources, state.value, params.limit, shownPins(store, community), params.cursor === undefined)
        return ok(params.viewer === undefined ? page : personalize(page, community, store.lessAuthors(community.uri, params.viewer, Date.now() * 1000)))
      } catch (e) {
        if (!(e instanceof NeedMore) || n === bound) throw e
      }
    }
    throw new Error('unreachable')
  }

  /** A viewer's "show less" and "show more" for posts of the communities with this object's id (SPEC §12). */
  interactions(viewer: string, items: Interaction[]): number {
    const index = this.existing()
    if (!index) return 0
    const { store, indexer } = index
    return store.transaction(() => applyInteractions(store, viewer, items, Date.now() * 1000, Date.now() * 1000 - indexer.minSortUs()))
  }

  /** A community's visible posts after a position: the parent source of its children. */
  visiblePosts(community: string, after: FeedEntry | undefined, n: number, minSortUs: number): FeedEntry[] {
    const index = this.existing()
    return index ? visiblePostsIn(index.store, community, after, n, minSortUs) : []
  }

  /** Which of these posts are visible in a community here, for the once-only rule of a child's mix. */
  visibleAmong(community: string, uris: string[]): string[] {
    const index = this.existing()
    return index ? visibleAmong(index.store, community, uris) : []
  }

  /** The read queries, over the config, members, actions and posts of the community the reference selects. */
  readCommunity(params: CommunityParams): ReadResult<CommunityCore> {
    return (this.existing()?.reads ?? noCommunityReads).community(params)
  }

  members(params: CommunityPageParams & { pending?: boolean }): ReadResult<Paged<'members', MemberView>> {
    return (this.existing()?.reads ?? noCommunityReads).getMembers(params)
  }

  actions(params: CommunityPageParams): ReadResult<Paged<'actions', ActionView>> {
    return (this.existing()?.reads ?? noCommunityReads).getActions(params)
  }

  posts(params: CommunityPageParams, viewer: string): ReadResult<Paged<'posts', PostView>> {
    return (this.existing()?.reads ?? noCommunityReads).getPosts(params, viewer)
  }

  /** The one alarm serves retention and join backfill: set it to whichever is due first. */
  async #arm(store: Store): Promise<void> {
    const joinDue = store.nextJoinBackfillUs()
    this.#retentionAt ??= (await this.ctx.storage.get<number>(RETENTION_AT)) ?? Date.now() + RETENTION_EVERY_MS
    const at = Math.min(this.#retentionAt, joinDue === undefined ? Infinity : Math.ceil(joinDue / 1000))
    const current = await this.ctx.storage.getAlarm()
    if (current === null || current > at) await this.ctx.storage.setAlarm(at)
  }

  /** Join backfills waiting here, for tests and the admin backfill's status. */
  joinBackfillPending(): number {
    return this.existing()?.store.joinBackfillCount() ?? 0
  }

  /**
   * Queues a posts backfill for every member of every community here (owner, moderators, active
   * memberships): the admin backfill's posts phase, worked through by the alarm. Returns the members,
   * whose post deletes the directory must now route here.
   */
  async queueMemberBackfills(): Promise<string[]> {
    const index = this.existing()
    if (!index) return []
    const nowUs = Date.now() * 1000
    const members = new Set<string>()
    index.store.transaction(() => {
      for (const c of allCommunities(index.store)) {
        for (const did of eachMember(index.store, c)) (index.store.queueJoinBackfill(c.uri, did, nowUs), members.add(did))
      }
    })
    await this.#arm(index.store)
    return [...members]
  }

  /**
   * A bounded step of join backfill when one is due (issue #13), then retention (SPEC §4, §6) when
   * its hour is up: purge in chunks, then come back in an hour.
   */
  override async alarm(): Promise<void> {
    alarmRuns.count++
    const index = this.existing()
    if (!index) return
    if ((index.store.nextJoinBackfillUs() ?? Infinity) <= Date.now() * 1000) await index.joins.step(JOIN_AUTHORS_PER_ALARM)
    // Read afresh: alarms are rare, and storage is the record of when retention is due.
    this.#retentionAt = await this.ctx.storage.get<number>(RETENTION_AT)
    if ((this.#retentionAt ?? 0) <= Date.now()) {
      const now = { nowUs: Date.now() * 1000, minSortUs: index.indexer.minSortUs() }
      for (let i = 0; i < 10_000; i++) {
        if (!purgedFull(purgeChunk(index.store, now, PURGE_CHUNK), PURGE_CHUNK)) break
      }
      index.deletedActions.purge(now.nowUs - US_PER_DAY)
      this.#retentionAt = Date.now() + RETENTION_EVERY_MS
      await this.ctx.storage.put(RETENTION_AT, this.#retentionAt)
    }
    await this.#arm(index.store)
  }
}
