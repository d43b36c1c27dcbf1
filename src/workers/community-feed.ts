import { DurableObject } from 'cloudflare:workers'
import type { RepoEvent } from '../core/events.js'
import { recordUri } from '../core/events.js'
import type { FeedEntry } from '../core/feed-mix.js'
import { FeedService, skeletonPage, stateOf, type FeedError, type Skeleton, type SkeletonParams } from '../core/feed-service.js'
import { Indexer } from '../core/indexer.js'
import { NSID } from '../core/nsid.js'
import { ReadService } from '../core/read-service.js'
import type { ActionView, CommunityCore, CommunityPageParams, CommunityParams, MemberView, Paged, PostView, ReadResult } from '../core/read-views.js'
import { ok, type Result } from '../core/result.js'
import type { StoredConfig } from '../core/store.js'
import { US_PER_DAY } from '../core/time.js'
import { SqlStore } from '../store/sql-store.js'
import { DoSqlDriver } from './do-sql-driver.js'
import { DeletedActionTargets, reportAfter, touchedBy, type GlobalReport } from './global-report.js'
import { NeedMore, workerSources } from './mixed-sources.js'
import { consoleLogger } from './console-logger.js'
import { settingsOf } from './settings.js'

const RETENTION_EVERY_MS = 3_600_000
const PURGE_CHUNK = 2000

export interface ApplyResult {
  /** The community this object holds after the batch, if any. */
  community: StoredConfig | undefined
  /** For each post URI in the batch: whether this community now indexes it. */
  posts: Record<string, boolean>
  /** What the global recent-posts index must learn from this batch. */
  global: GlobalReport
}

/** One community's index: the core Indexer and FeedService over this object's SQLite. */
export class CommunityFeedGenerator extends DurableObject<Env> {
  private readonly store: SqlStore
  private readonly indexer: Indexer
  private readonly feeds: FeedService
  private readonly reads: ReadService
  private readonly deletedActions: DeletedActionTargets

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    const settings = settingsOf(env)
    const db = new DoSqlDriver(ctx.storage)
    this.store = new SqlStore(db)
    this.deletedActions = new DeletedActionTargets(db)
    this.indexer = new Indexer({ store: this.store, log: consoleLogger(settings.logLevel, { do: 'community' }), retentionUs: settings.retentionDays * US_PER_DAY })
    this.feeds = new FeedService({ store: this.store, serviceDid: settings.serviceDid, minSortUs: () => this.indexer.minSortUs() })
    this.reads = new ReadService({ store: this.store, minSortUs: () => this.indexer.minSortUs() })
  }

  async apply(events: RepoEvent[]): Promise<ApplyResult> {
    const before = this.store.listCommunities()[0]?.id
    const touched = touchedBy(events, this.store, before, this.deletedActions, Date.now() * 1000)
    this.indexer.applyBatch(events)
    // Armed on the first write, then re-armed by the alarm itself.
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + RETENTION_EVERY_MS)
    const posts: Record<string, boolean> = {}
    for (const e of events) {
      if (e.collection === NSID.post) posts[recordUri(e)] = this.store.postCommunities(recordUri(e)).length > 0
    }
    const community = this.store.listCommunities()[0]
    // A deleted config takes every post with it; a new one starts from whatever it indexes.
    const global = community ? reportAfter(touched, this.store, community.id) : { rows: [], removed: [], replace: before !== undefined }
    return { community, posts, global }
  }

  /** getFeedSkeleton with the feed mix: own posts here, parent by RPC, global from the shards. */
  async skeleton(params: SkeletonParams): Promise<Result<Skeleton, FeedError>> {
    const community = this.store.listCommunities()[0]
    if (!community) return this.feeds.getFeedSkeleton(params)
    const state = stateOf(params.cursor)
    if (!state.ok) return state
    for (let n = params.limit * 2 + 16, attempt = 0; ; n *= 4, attempt++) {
      const sources = await workerSources(this.env, this.store, community, state.value, n, this.indexer.minSortUs())
      try {
        return ok(skeletonPage(community, sources, state.value, params.limit))
      } catch (e) {
        // Many repeats between sources can outrun the prefetch; read more, a bounded few times.
        if (!(e instanceof NeedMore) || attempt >= 4) throw e
      }
    }
  }

  /** This community's visible posts after a position: the parent source of its children. */
  visiblePosts(after: FeedEntry | undefined, n: number, minSortUs: number): FeedEntry[] {
    const id = this.store.listCommunities()[0]?.id
    return id ? this.store.skeleton({ community: id, minSortUs, limit: n, ...(after ? { after } : {}) }) : []
  }

  /** Which of these posts are visible here, for the once-only rule of a child's mix. */
  visibleAmong(uris: string[]): string[] {
    const id = this.store.listCommunities()[0]?.id
    return id ? uris.filter((uri) => this.store.visibleCommunities(uri).includes(id)) : []
  }

  /** The read queries, over this community's own config, members, actions and posts. */
  readCommunity(params: CommunityParams): ReadResult<CommunityCore> {
    return this.reads.community(params)
  }

  members(params: CommunityPageParams): ReadResult<Paged<'members', MemberView>> {
    return this.reads.getMembers(params)
  }

  actions(params: CommunityPageParams): ReadResult<Paged<'actions', ActionView>> {
    return this.reads.getActions(params)
  }

  posts(params: CommunityPageParams, viewer: string): ReadResult<Paged<'posts', PostView>> {
    return this.reads.getPosts(params, viewer)
  }

  community(): StoredConfig | undefined {
    return this.store.listCommunities()[0]
  }

  /** Retention (SPEC §4): purge in chunks, then come back in an hour. */
  override async alarm(): Promise<void> {
    const minSortUs = this.indexer.minSortUs()
    for (let i = 0; i < 10_000 && this.store.purgePosts(minSortUs, PURGE_CHUNK) === PURGE_CHUNK; i++);
    this.deletedActions.purge(Date.now() * 1000 - US_PER_DAY)
    await this.ctx.storage.setAlarm(Date.now() + RETENTION_EVERY_MS)
  }
}
