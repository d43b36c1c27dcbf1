import { DurableObject } from 'cloudflare:workers'
import type { RepoEvent } from '../core/events.js'
import { recordUri } from '../core/events.js'
import { FeedService, type FeedError, type Skeleton, type SkeletonParams } from '../core/feed-service.js'
import { Indexer } from '../core/indexer.js'
import { NSID } from '../core/nsid.js'
import { ReadService } from '../core/read-service.js'
import type { ActionView, CommunityCore, CommunityPageParams, CommunityParams, MemberView, Paged, PostView, ReadResult } from '../core/read-views.js'
import type { Result } from '../core/result.js'
import type { StoredConfig } from '../core/store.js'
import { US_PER_DAY } from '../core/time.js'
import { SqlStore } from '../store/sql-store.js'
import { DoSqlDriver } from './do-sql-driver.js'
import { consoleLogger } from './console-logger.js'
import { settingsOf } from './settings.js'

const RETENTION_EVERY_MS = 3_600_000
const PURGE_CHUNK = 2000

export interface ApplyResult {
  /** The community this object holds after the batch, if any. */
  community: StoredConfig | undefined
  /** For each post URI in the batch: whether this community now indexes it. */
  posts: Record<string, boolean>
}

/** One community's index: the core Indexer and FeedService over this object's SQLite. */
export class CommunityFeedGenerator extends DurableObject<Env> {
  private readonly store: SqlStore
  private readonly indexer: Indexer
  private readonly feeds: FeedService
  private readonly reads: ReadService

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    const settings = settingsOf(env)
    this.store = new SqlStore(new DoSqlDriver(ctx.storage))
    this.indexer = new Indexer({ store: this.store, log: consoleLogger(settings.logLevel, { do: 'community' }), retentionUs: settings.retentionDays * US_PER_DAY })
    this.feeds = new FeedService({ store: this.store, serviceDid: settings.serviceDid, minSortUs: () => this.indexer.minSortUs() })
    this.reads = new ReadService({ store: this.store, minSortUs: () => this.indexer.minSortUs() })
  }

  async apply(events: RepoEvent[]): Promise<ApplyResult> {
    this.indexer.applyBatch(events)
    // Armed on the first write, then re-armed by the alarm itself.
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + RETENTION_EVERY_MS)
    const posts: Record<string, boolean> = {}
    for (const e of events) {
      if (e.collection === NSID.post) posts[recordUri(e)] = this.store.postCommunities(recordUri(e)).length > 0
    }
    return { community: this.store.listCommunities()[0], posts }
  }

  skeleton(params: SkeletonParams): Result<Skeleton, FeedError> {
    return this.feeds.getFeedSkeleton(params)
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
    await this.ctx.storage.setAlarm(Date.now() + RETENTION_EVERY_MS)
  }
}
