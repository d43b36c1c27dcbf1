import { communityIdOf } from './community-id.js'
import { eachActiveMembership, eachMember } from './community-pages.js'
import { DELETED_STATUS, recordUri, type AccountEvent, type RecordEvent, type RepoEvent, type RepoWrite } from './events.js'
import type { Logger } from './logger.js'
import { authorities, canModerate, needsApproval, targetState } from './moderation.js'
import { NSID } from './nsid.js'
import { postCommunityIds, sortTimeOf, validatePost } from './post.js'
import { validateAction, validateConfig, validateMembership } from './record-validation.js'
import { clampUs, datetimeToUs } from './time.js'
import type { Store, StoredConfig } from './store.js'

export interface IndexerOptions {
  store: Store
  log: Logger
  retentionUs: number
  /** Epoch microseconds; injectable so retention is testable. */
  nowUs?: () => number
}

/** What became of the events applied; a post counts once per community it is routed to. */
export interface IndexerStats {
  /** Records that took effect, and member posts shown. */
  applied: number
  /** Posts kept but not shown: their author is not a member (SPEC §4). */
  notMember: number
  /** Posts already indexed there: a replay after a restart or a reconnect's rewind. */
  duplicate: number
  failed: number
  invalid: Record<string, number>
}

/** SPEC §4: a non-member's posts kept per community, newest first; spam cannot grow the index. */
export const MAX_NON_MEMBER_POSTS = 100

/**
 * Applies repo events to the index under the domain rules of SPEC §1–6. Every write is
 * idempotent: applying an event twice leaves the same state.
 */
export class Indexer {
  readonly stats: IndexerStats = { applied: 0, notMember: 0, duplicate: 0, failed: 0, invalid: {} }
  private readonly store: Store
  private readonly log: Logger
  private readonly retentionUs: number
  private readonly nowUs: () => number

  constructor(opts: IndexerOptions) {
    this.store = opts.store
    this.log = opts.log
    this.retentionUs = opts.retentionUs
    this.nowUs = opts.nowUs ?? (() => Date.now() * 1000)
  }

  /**
   * Applies a batch and records the stream cursor in the same transaction. The batch is first
   * applied as one transaction, with no savepoint per event; only if that throws is it rolled back
   * and applied again event by event, each in its own savepoint, so a poisoned event is still
   * skipped alone while the common case pays for no savepoints.
   */
  applyBatch(events: readonly RepoEvent[], cursor?: { source: string; value: number }): void {
    const before = { ...this.stats, invalid: { ...this.stats.invalid } }
    try {
      this.store.transaction(() => {
        for (const e of events) this.apply(e)
        if (cursor) this.store.setCursor(cursor.source, cursor.value)
      })
      return
    } catch {
      // Rolled back: count nothing from the failed attempt, then isolate the culprit.
      for (const k of Object.keys(this.stats.invalid)) delete this.stats.invalid[k]
      Object.assign(this.stats, { ...before, invalid: Object.assign(this.stats.invalid, before.invalid) })
    }
    this.store.transaction(() => {
      for (const e of events) this.applyIsolated(e)
      if (cursor) this.store.setCursor(cursor.source, cursor.value)
    })
  }

  /**
   * One event in its own savepoint: an event that throws is rolled back, logged and skipped,
   * so a single poisoned record can never stall the stream behind it.
   */
  private applyIsolated(e: RepoEvent): void {
    try {
      this.store.transaction(() => this.apply(e))
    } catch (error) {
      this.stats.failed++
      this.log.error({ err: error, ...(e.op === 'account' ? { did: e.did } : { uri: recordUri(e) }), op: e.op }, 'event failed and was skipped')
    }
  }

  apply(e: RepoEvent): void {
    if (e.op === 'account') return this.account(e)
    switch (e.collection) {
      case NSID.post:
        return e.op === 'delete' ? this.deletePost(e.did, e.rkey) : this.writePost(e)
      case NSID.config:
        return e.op === 'delete' ? this.deleteConfig(recordUri(e)) : this.writeConfig(e)
      case NSID.membership:
        return e.op === 'delete' ? this.deleteMembership(recordUri(e)) : this.writeMembership(e)
      case NSID.action:
        return e.op === 'delete' ? this.deleteAction(recordUri(e)) : this.writeAction(e)
    }
  }

  minSortUs(): number {
    return this.nowUs() - this.retentionUs
  }

  private invalid(e: RecordEvent, reason: string): void {
    this.stats.invalid[e.collection] = (this.stats.invalid[e.collection] ?? 0) + 1
    this.log.warn({ uri: recordUri(e), reason }, 'record rejected')
  }

  private writeConfig(e: RepoWrite): void {
    const uri = recordUri(e)
    const parsed = validateConfig(uri, e.record)
    // An invalid update leaves the last valid version in force (SPEC §3).
    if (!parsed.ok) return this.invalid(e, parsed.error)
    // Every valid config is a community, whatever other config shares its id (SPEC §1).
    const previous = this.store.getConfig(uri)
    const next: StoredConfig = { uri, id: communityIdOf(uri), owner: e.did, config: parsed.value }
    this.store.putConfig(next)
    this.stats.applied++
    this.rejudge(next, previous, e.backfill === true)
  }

  private deleteConfig(uri: string): void {
    const community = this.store.getConfig(uri)
    if (!community) return
    this.store.deleteConfig(uri)
    this.store.dropCommunityPosts(uri)
    this.log.info({ uri, id: community.id }, 'community removed')
  }

  private writeMembership(e: RepoWrite): void {
    const parsed = validateMembership(e.record)
    if (!parsed.ok) return this.invalid(e, parsed.error)
    const uri = recordUri(e)
    const previous = this.store.getMembership(uri)
    const community = this.store.getConfig(parsed.value.community)
    const was = community !== undefined && this.isMember(community, e.did)
    // `role` is stored as written but grants nothing: roles come from the config (SPEC §3).
    this.store.putMembership({ ...parsed.value, uri, did: e.did, seenUs: clampUs(e.timeUs) })
    this.stats.applied++
    // Membership decides visibility (SPEC §4): the author's kept posts show or hide at once.
    if (previous && previous.community !== parsed.value.community) this.refreshMember(previous.community, e.did)
    if (community) this.refreshMember(community.uri, e.did, community, e.backfill ? undefined : was)
  }

  private deleteMembership(uri: string): void {
    const previous = this.store.getMembership(uri)
    if (!previous) return
    this.store.deleteMembership(uri)
    this.refreshMember(previous.community, previous.did)
  }

  /**
   * Shows or hides an author's kept posts in a community by whether they are a member now. Given
   * whether they were one before, a join also queues a fetch of their posts the stream never
   * delivered (issue #13); a replayed join changes nothing, so it queues nothing.
   */
  private refreshMember(communityUri: string, did: string, community = this.store.getConfig(communityUri), was?: boolean): void {
    if (!community) return
    const member = this.isMember(community, did)
    this.store.setAuthorMember(community.uri, did, member)
    if (member && was === false) this.store.queueJoinBackfill(community.uri, did, this.nowUs())
  }

  private writeAction(e: RepoWrite): void {
    const parsed = validateAction(e.record)
    if (!parsed.ok) return this.invalid(e, parsed.error)
    const uri = recordUri(e)
    const previous = this.store.getAction(uri)
    // The effective time (SPEC §5): `createdAt` is the writer's claim, so it may only make an
    // action older than when it was first seen, never newer.
    const seenUs = previous?.seenUs ?? clampUs(e.timeUs)
    const effectiveUs = clampUs(Math.min(datetimeToUs(parsed.value.createdAt)!, seenUs))
    this.store.putAction({ ...parsed.value, uri, actor: e.did, effectiveUs, seenUs })
    this.stats.applied++
    const community = this.store.getConfig(parsed.value.community)
    if (community && !canModerate(community, e.did)) {
      this.log.warn({ uri, actor: e.did, community: community.uri }, 'moderation action ignored: actor is not owner or moderator')
    }
    if (previous && (previous.target !== parsed.value.target || previous.community !== parsed.value.community)) {
      this.refreshTarget(previous.community, previous.target)
    }
    if (community) this.refreshTarget(community.uri, parsed.value.target, community, e.backfill === true)
  }

  private deleteAction(uri: string): void {
    const previous = this.store.getAction(uri)
    if (!previous) return
    this.store.deleteAction(uri)
    this.refreshTarget(previous.community, previous.target)
  }

  /**
   * Recomputes one target's state from its actions; indexed lookups, never a post scan. Under
   * approval (SPEC §9) an approval is a join and its end a leave; `backfill` records queue no fetch.
   */
  private refreshTarget(communityUri: string, target: string, community = this.store.getConfig(communityUri), backfill = false): void {
    if (!community) return
    const state = targetState(community, target, this.store.actionsFor(community.uri, [target], authorities(community)))
    if (!target.startsWith('did:')) return this.store.setPostHidden(community.uri, target, state.hidden)
    this.store.setAuthorBlocked(community.uri, target, state.blocked)
    // Kept in every community, so a later switch to approval finds the decisions already made.
    if (this.store.memberApproval(community.uri, target) === state.approval) return
    const was = this.isMember(community, target)
    this.store.setMemberApproval(community.uri, target, state.approval)
    if (needsApproval(community)) this.refreshMember(community.uri, target, community, backfill ? undefined : was)
  }

  /**
   * A config change can grant or withdraw moderators (SPEC §3). Only the targets of actors whose
   * standing changed can change, so only those are re-judged: a new config's owner and moderators
   * (their actions may have arrived first, SPEC §6), or the moderators an update adds or removes.
   * Actions of anyone else decide nothing before or after, however many there are.
   */
  private rejudge(next: StoredConfig, previous: StoredConfig | undefined, backfill: boolean): void {
    const before = new Set(previous ? authorities(previous) : [])
    const after = new Set(authorities(next))
    const changed = [...before, ...after].filter((did) => before.has(did) !== after.has(did))
    for (const target of this.store.actionTargetsBy(next.uri, changed)) this.refreshTarget(next.uri, target, next)
    // The owner and moderators are members (SPEC §4): a moderator added or removed is a join or a leave.
    for (const did of changed) {
      const was = previous ? this.isMember(previous, did) : this.store.hasActiveMembership(next.uri, did)
      this.refreshMember(next.uri, did, next, backfill ? undefined : was)
    }
    // Opening a community admits its pending members; asking for approval sends back the unapproved.
    if (previous && needsApproval(previous) !== needsApproval(next)) {
      for (const did of eachActiveMembership(this.store, next.uri)) this.refreshMember(next.uri, did, next, backfill ? undefined : this.isMember(previous, did))
    }
    // Memberships that arrived before their config (SPEC §6) become joins only now: the stream
    // dropped their authors' posts while the community was unknown.
    if (!previous && !backfill) {
      for (const did of eachMember(this.store, next)) if (!after.has(did)) this.store.queueJoinBackfill(next.uri, did, this.nowUs())
    }
  }

  /**
   * Account status (SPEC §4): an account that is not active leaves every skeleton until it is
   * active again; a deleted one leaves the index, as if each of its records had been deleted.
   */
  private account(e: AccountEvent): void {
    const status = e.active ? undefined : (e.status ?? 'inactive')
    this.store.setAccountStatus(e.did, status, clampUs(e.timeUs))
    this.stats.applied++
    if (status !== DELETED_STATUS) return
    this.store.deleteAuthorPosts(e.did)
    for (const uri of this.store.membershipsOf(e.did)) this.store.deleteMembership(uri)
    for (const uri of this.store.actionsOf(e.did)) this.deleteAction(uri)
    for (let page = this.store.communitiesPage({ owner: e.did, limit: 100 }); page.length > 0; page = this.store.communitiesPage({ owner: e.did, limit: 100 })) {
      for (const c of page) this.deleteConfig(c.uri)
    }
    this.log.info({ did: e.did }, 'account deleted: its records left the index')
  }

  /** SPEC §4, §9: the owner and moderators; and an active membership, approved where that is asked. */
  private isMember(community: StoredConfig, did: string): boolean {
    if (canModerate(community, did)) return true
    if (!this.store.hasActiveMembership(community.uri, did)) return false
    return !needsApproval(community) || this.store.memberApproval(community.uri, did) === 'approved'
  }

  private writePost(e: RepoWrite): void {
    const parsed = validatePost(e.record)
    if (!parsed.ok) return this.invalid(e, parsed.error)
    const uri = recordUri(e)
    // Deleted while its author's posts were being read: the stream's delete wins (issue #13).
    if (e.backfill && this.store.hasPostTombstone(uri)) return
    // An id routes to every community that has it; each gates the post by its own members (SPEC §1).
    // A community that does not take adult or graphic content never holds such a post (SPEC §11).
    const wanted = postCommunityIds(parsed.value).flatMap((id) => this.store.communitiesWithId(id))
      .filter((c) => !parsed.value.adult || c.config.contentPolicy?.allowAdult === true)
    // A create names a record that had none before it (a replayed create finds its rows already
    // there, and putPost leaves them), so only an update needs to see where the post is indexed.
    const current = e.op === 'update' ? this.store.postCommunities(uri) : []
    // An update keeps the sort time already indexed (SPEC §4), also when it moves the post into
    // another community: read before the post leaves the ones it no longer names.
    const kept = current.length > 0 ? this.store.postSortUs(uri) : undefined
    for (const c of current) if (!wanted.some((w) => w.uri === c)) this.store.removePost(c, uri)
    if (wanted.length === 0) return
    const sortUs = kept ?? sortTimeOf(parsed.value.createdAt, e.timeUs)
    if (sortUs < this.minSortUs()) return
    for (const community of wanted) {
      if (current.includes(community.uri)) continue
      // Kept whatever the author's standing, shown only while they are a member and not blocked
      // (SPEC §4, §5): a later join, leave, block or unblock is a range update, and a replay or a
      // rebuild gives the same feed whatever the order.
      const actions = this.store.actionsFor(community.uri, [e.did, uri], authorities(community))
      const on = (target: string) => actions.filter((a) => a.target === target)
      const member = this.isMember(community, e.did)
      const added = this.store.putPost({
        community: community.uri, uri, sortUs, hidden: targetState(community, uri, on(uri)).hidden,
        blocked: targetState(community, e.did, on(e.did)).blocked, member,
      })
      if (!added) this.stats.duplicate++
      else if (member) this.stats.applied++
      else this.stats.notMember++
      if (added && !member) this.store.capNonMemberPosts(community.uri, e.did, MAX_NON_MEMBER_POSTS)
    }
  }

  private deletePost(did: string, rkey: string): void {
    const uri = recordUri({ did, collection: NSID.post, rkey })
    this.store.deletePost(uri)
    // A fetch of the author's posts may be in flight and may still list this one.
    if (this.store.hasJoinBackfill(did)) this.store.addPostTombstone(uri, this.nowUs())
  }
}
