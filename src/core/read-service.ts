import { parseCommunityRef } from './community-ref.js'
import { selectById } from './community-select.js'
import { authorities, canModerate, needsApproval } from './moderation.js'
import { decodePageCursor, encodePageCursor, type PageKind } from './page-cursor.js'
import { actionStatus, postStatus } from './read-status.js'
import type { ActionView, CommunityCore, CommunityCounts, CommunityPageParams, CommunityParams, MemberView, Paged, PostView, ReadError, ReadResult } from './read-views.js'
import type { Role } from './records.js'
import { err, ok, type Result } from './result.js'
import type { Store, StoredAction, StoredConfig } from './store.js'

const US_PER_SECOND = 1_000_000
const MAX_KEPT_COUNTS = 10_000
const invalid = (message: string): ReadError => ({ error: 'InvalidRequest', message })
const isoOfUs = (us: number): string => new Date(Math.floor(us / 1000)).toISOString()

/** One page plus a cursor only when more follows: `rows` holds up to limit + 1 items. */
function paged<K extends string, R, T>(key: K, rows: R[], limit: number, view: (r: R) => T, cursor: (last: R) => string): Paged<K, T> {
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return { [key]: page.map(view), ...(rows.length > limit && last !== undefined ? { cursor: cursor(last) } : {}) } as Paged<K, T>
}

/**
 * The per-community read queries (SPEC §3, §5) over one Store. Node runs it over the whole
 * index; Workers runs it inside the community's Durable Object, over that community's store.
 */
export class ReadService {
  readonly #counts = new Map<string, { version: number; minSortUs: number; value: CommunityCounts }>()

  constructor(private readonly deps: { store: Store; minSortUs: () => number }) {}

  community(params: CommunityParams): ReadResult<CommunityCore> {
    const found = this.find(params.community)
    if (!found.ok) return found
    const c = found.value
    return ok({
      uri: c.uri, id: c.id, owner: c.owner, config: c.config, moderators: c.config.moderators, stage: c.config.stage,
      counts: this.counts(c),
    })
  }

  /**
   * Counting a community's posts and members reads every one of them, so anyone asking in a loop
   * would make each request cost the community's size. The counts are kept until the index changes
   * (or, for the retention horizon, for a second), so that cost is paid at most once per write.
   */
  private counts(c: StoredConfig): CommunityCounts {
    const { store } = this.deps
    const minSortUs = this.deps.minSortUs()
    const version = store.indexVersion?.()
    const kept = this.#counts.get(c.uri)
    if (kept && version !== undefined && kept.version === version && minSortUs - kept.minSortUs < US_PER_SECOND) return kept.value
    const posts = store.postCounts(c.uri, minSortUs)
    const approval = needsApproval(c)
    const value: CommunityCounts = {
      members: store.countMembers(c.uri, authorities(c), approval ? 'approved' : undefined),
      postsIndexed: posts.indexed, postsHidden: posts.hidden, blockedUsers: store.blockedCount(c.uri),
      ...(approval ? { pendingMembers: this.pendingCount(c) } : {}),
    }
    if (version !== undefined) {
      if (this.#counts.size >= MAX_KEPT_COUNTS) this.#counts.clear()
      this.#counts.set(c.uri, { version, minSortUs, value })
    }
    return value
  }

  /** Active memberships waiting for a decision, staff excepted (they are members whatever they wrote). */
  private pendingCount(c: StoredConfig): number {
    const { store } = this.deps
    const staffWaiting = [...new Set(authorities(c))].filter((did) => store.hasActiveMembership(c.uri, did) && store.memberApproval(c.uri, did) === undefined)
    return store.countMembers(c.uri, [], 'pending') - staffWaiting.length
  }

  /**
   * Effective members (SPEC §3, §9): owner and moderators by the config, the rest by active
   * membership, approved where approval is asked. `pending`: those still waiting for a decision.
   */
  getMembers(params: CommunityPageParams & { pending?: boolean }): ReadResult<Paged<'members', MemberView>> {
    const start = this.start(params, 'members')
    if (!start.ok) return start
    const { community: c, after } = start.value
    const roleOf = (did: string): Role => (did === c.owner ? 'owner' : c.config.moderators.includes(did) ? 'moderator' : 'member')
    const approval = params.pending ? 'pending' : needsApproval(c) ? 'approved' : undefined
    // Staff are members whatever they wrote, so a pending page leaves them out: read enough more rows.
    const extra = params.pending ? authorities(c).length : 0
    const rows = this.deps.store.activeMembers(c.uri, { limit: params.limit + 1 + extra, ...(after ? { after: after[0] } : {}) }, approval)
    if (params.pending) {
      // An open community has no one waiting.
      const waiting = needsApproval(c) ? rows.filter((r) => !canModerate(c, r.did)) : []
      return ok(paged('members', waiting.map((r) => ({ did: r.did, role: 'member' as const, joinedAt: r.joinedAt })), params.limit, (m) => m, (m) => encodePageCursor('members', [m.did])))
    }
    const byDid = new Map<string, MemberView>(rows.map((r) => [r.did, { did: r.did, role: roleOf(r.did), joinedAt: r.joinedAt }]))
    // Staff without a later-sorting membership row still belong on this page: merge, then cut.
    for (const did of [c.owner, ...c.config.moderators]) {
      if ((after === undefined || did > after[0]) && !byDid.has(did)) byDid.set(did, { did, role: roleOf(did) })
    }
    const merged = [...byDid.values()].sort((a, b) => (a.did < b.did ? -1 : 1))
    return ok(paged('members', merged, params.limit, (m) => m, (m) => encodePageCursor('members', [m.did])))
  }

  /** The action log, latest first, each with its standing under the config in force. */
  getActions(params: CommunityPageParams): ReadResult<Paged<'actions', ActionView>> {
    const start = this.start(params, 'actions')
    if (!start.ok) return start
    const { community: c, after } = start.value
    const { store } = this.deps
    const rows = store.actionsPage(c.uri, { limit: params.limit + 1, ...(after ? { after: { effectiveUs: after[0], uri: after[1] } } : {}) })
    const byTarget = new Map<string, StoredAction[]>()
    const view = (a: StoredAction): ActionView => {
      let same = byTarget.get(a.target)
      if (!same) byTarget.set(a.target, (same = store.actionsFor(c.uri, [a.target], authorities(c))))
      return {
        uri: a.uri, actor: a.actor, action: a.action, target: a.target, ...(a.reason !== undefined ? { reason: a.reason } : {}),
        createdAt: a.createdAt, status: actionStatus(c, a, same),
      }
    }
    return ok(paged('actions', rows, params.limit, view, (a) => encodePageCursor('actions', [a.effectiveUs, a.uri])))
  }

  /** The moderator view of the index: hidden posts included. Only the owner and moderators may read it. */
  getPosts(params: CommunityPageParams, viewer: string): ReadResult<Paged<'posts', PostView>> {
    const start = this.start(params, 'posts')
    if (!start.ok) return start
    const { community: c, after } = start.value
    if (!canModerate(c, viewer)) return err({ error: 'Forbidden', message: 'only the owner or a moderator of the community may list its posts' })
    const rows = this.deps.store.moderatedPosts({
      community: c.uri, minSortUs: this.deps.minSortUs(), limit: params.limit + 1, ...(after ? { after: { sortUs: after[0], uri: after[1] } } : {}),
    })
    const view = (p: (typeof rows)[number]): PostView => ({ uri: p.uri, author: p.author, sortAt: isoOfUs(p.sortUs), status: postStatus(p) })
    return ok(paged('posts', rows, params.limit, view, (p) => encodePageCursor('posts', [p.sortUs, p.uri])))
  }

  /** Parameters first (400 InvalidRequest), then the community (400 UnknownCommunity). */
  private start<K extends PageKind>(params: CommunityPageParams, kind: K) {
    const after = params.cursor === undefined ? undefined : decodePageCursor(kind, params.cursor)
    if (after && !after.ok) return err(invalid(after.error))
    const community = this.find(params.community)
    if (!community.ok) return community
    return ok({ community: community.value, after: after?.value })
  }

  private find(community: string): Result<StoredConfig, ReadError> {
    const ref = parseCommunityRef(community)
    if (!ref.ok) return err(invalid(ref.error))
    const unknown = err<ReadError>({ error: 'UnknownCommunity', message: `unknown community ${community}` })
    if (ref.value.uri !== undefined) {
      const found = this.deps.store.getConfig(ref.value.uri)
      return found ? ok(found) : unknown
    }
    const selected = selectById(this.deps.store.communitiesWithId(ref.value.id))
    if (selected.ok) return selected
    if (selected.error.reason === 'unknown') return unknown
    return err(invalid(`community id ${ref.value.id} names several communities; use one of their config AT-URIs: ${selected.error.candidates.join(', ')}`))
  }
}
