/**
 * The migration from the D1 era as a plan: which communities the signed-in owner carries over,
 * the config record each becomes, and the moderation actions still in force. Pure: the command
 * reads the dump and the owner's repo, calls `planMigration`, shows the plan, then writes it.
 */
import { isValidDid } from '@atproto/syntax'
import { communityIdOf, hashtagOf } from '../../core/community-id.js'
import { validateAction, validateConfig } from '../../core/record-validation.js'
import { DEFAULT_FEED_MIX, type FeedMix, type Stage } from '../../core/records.js'
import { err, ok, type Result } from '../../core/result.js'
import { buildActionRecord, checkReason } from '../../records/action-record.js'
import { buildConfigRecord } from '../../records/config-record.js'
import type { D1Dump, OldCommunity, OldLog } from './load-dump.js'

/** The field that marks a record written by this migration, naming the old community id. */
export const MIGRATED_FROM = 'migratedFrom'

/** The old code refused a feed mix whose fractions were further than this from 1 (CommunityModel.update). */
const MIX_TOLERANCE = 0.001
const MAX_MODERATORS = 50

/**
 * Integers summing to exactly `total`, each the floor of its exact share, the rest handed out one by
 * one to the largest remainders (ties: earlier first). Shares are rounded to 1e-9 first, so float
 * noise such as 0.29 × 100 = 28.999999999999996 counts as 29.
 */
export function largestRemainder(weights: readonly number[], total = 100): number[] {
  const sum = weights.reduce((a, b) => a + b, 0)
  const exact = weights.map((w) => Math.round(((w / sum) * total) * 1e9) / 1e9)
  const out = exact.map(Math.floor)
  let left = total - out.reduce((a, b) => a + b, 0)
  const order = exact.map((x, i) => ({ i, rem: x - Math.floor(x) })).sort((a, b) => b.rem - a.rem || a.i - b.i)
  for (const { i } of order) {
    if (left <= 0) break
    out[i]!++
    left--
  }
  return out
}

/**
 * The old 0–1 fractions as the integer percentages a config stores (SPEC §2). Fractions that are
 * not numbers in 0–1, or do not sum to 1 (within the old code's tolerance), are an error: the
 * caller warns and uses the default.
 */
export function feedMixFromFractions(mix: { own: number | null; parent: number | null; global: number | null }): Result<FeedMix> {
  const parts = [mix.own, mix.parent, mix.global]
  const shown = parts.map((p) => (p === null ? 'NULL' : String(p))).join('/')
  if (!parts.every((p): p is number => p !== null && p >= 0 && p <= 1)) return err(`feed mix ${shown} is not three fractions from 0 to 1`)
  const sum = parts[0]! + parts[1]! + parts[2]!
  if (Math.abs(sum - 1) > MIX_TOLERANCE) return err(`feed mix ${shown} sums to ${sum}, not 1`)
  const [own, parent, global] = largestRemainder(parts) as [number, number, number]
  return ok({ own, parent, global })
}

const STAGES: readonly Stage[] = ['theme', 'community', 'graduated']

/** The old stages have the same names and meaning (a stage of the community, not a separate entity). */
export function mapStage(stage: string): Result<Stage> {
  const s = stage.trim().toLowerCase()
  return (STAGES as readonly string[]).includes(s) ? ok(s as Stage) : err(`unknown stage ${JSON.stringify(stage)}`)
}

/** Unix seconds (the old schema's timestamps) as an atproto datetime; undefined when implausible. */
export function isoFromSeconds(sec: number | null): string | undefined {
  if (sec === null || !Number.isFinite(sec) || sec < 0 || sec > 253_402_300_799) return undefined
  return new Date(Math.floor(sec) * 1000).toISOString()
}

/** The web app's page of a community, `/community/<owner DID>/<rkey>` (web/src/lib/routes.ts). */
export function joinLink(web: string | undefined, ownerDid: string, rkey: string): string {
  const seg = (s: string) => encodeURIComponent(s).replace(/%3A/gi, ':')
  return `${web ?? ''}/community/${seg(ownerDid)}/${seg(rkey)}`
}

export type MigratedActionKind = 'hide_post' | 'block_user'

export interface ActionCandidate {
  action: MigratedActionKind
  target: string
  reason?: string
  /** The old moderator who took it; the owner now writes it (see README, "Migrating from the D1 version"). */
  by?: string
  /** Unix seconds, when known. */
  at: number | null
  source: 'post_index' | 'feed_blocklist' | 'moderation_logs'
}

/** Latest first: by time, then by id (an integer or a text id such as 'mod-002'). */
function latest(logs: OldLog[]): OldLog | undefined {
  const idKey = (l: OldLog) => (/^\d+$/.test(l.id) ? l.id.padStart(20, '0') : l.id)
  return [...logs].sort((a, b) => (b.at ?? -1) - (a.at ?? -1) || (idKey(b) > idKey(a) ? 1 : idKey(b) < idKey(a) ? -1 : 0))[0]
}

/**
 * The moderation of one old community that is still in force, as the owner can write it:
 * - hidden posts: `post_index.moderation_status = 'hidden'` of its feeds (the old service's state);
 * - blocked users: `feed_blocklist` rows of its feeds (an unblock deleted the row), per feed in the
 *   old service and per community now, so a block in any of its feeds blocks in the community;
 * - posts whose latest hide/unhide in `moderation_logs` is a hide and that `post_index` no longer
 *   holds (purged by age): they may still come up, and the old decision stands.
 * Who took the action in the old service does not limit what is carried over: every one was in
 * force for the community then, and only the owner can write it now (SPEC §3). The log supplies
 * the reason and time when the tables do not. `remove_member` has no counterpart: a removed member
 * simply has no membership row and is not invited.
 */
export function selectActions(dump: D1Dump, communityId: string): ActionCandidate[] {
  const feedIds = new Set(dump.feeds.filter((f) => f.communityId === communityId).map((f) => f.id))
  const mine = (l: OldLog) => (l.feedId !== null && feedIds.has(l.feedId)) || l.communityId === communityId
  const logs = dump.logs.filter(mine)
  const logsFor = (target: string, kinds: readonly string[]) => logs.filter((l) => l.target === target && kinds.includes(l.action))
  const out: ActionCandidate[] = []

  const posts = dump.posts.filter((p) => feedIds.has(p.feedId))
  const known = new Set(posts.map((p) => p.uri))
  const hidden = [...new Set(posts.filter((p) => p.status === 'hidden').map((p) => p.uri))]
  for (const uri of hidden) {
    const last = latest(logsFor(uri, ['hide_post', 'unhide_post']))
    const log = last?.action === 'hide_post' ? last : undefined
    out.push({ action: 'hide_post', target: uri, ...(log?.reason ? { reason: log.reason } : {}), ...(log ? { by: log.by } : {}), at: log?.at ?? null, source: 'post_index' })
  }
  const logTargets = [...new Set(logs.filter((l) => l.action === 'hide_post' && !known.has(l.target)).map((l) => l.target))]
  for (const uri of logTargets) {
    const last = latest(logsFor(uri, ['hide_post', 'unhide_post']))!
    if (last.action !== 'hide_post') continue
    out.push({ action: 'hide_post', target: uri, ...(last.reason ? { reason: last.reason } : {}), by: last.by, at: last.at, source: 'moderation_logs' })
  }

  const blocks = dump.blocks.filter((b) => feedIds.has(b.feedId))
  for (const did of [...new Set(blocks.map((b) => b.did))]) {
    const row = blocks.filter((b) => b.did === did).sort((a, b) => (b.at ?? -1) - (a.at ?? -1))[0]!
    out.push({ action: 'block_user', target: did, ...(row.reason ? { reason: row.reason } : {}), by: row.by, at: row.at, source: 'feed_blocklist' })
  }
  return out
}

export interface PlannedAction extends ActionCandidate {
  /** The record to write; its `createdAt` is the old time when known. */
  record: Record<string, unknown>
  /** Written by an earlier run (matched on community, action and target). */
  done: boolean
}

export interface PlannedCommunity {
  oldId: string
  oldName: string
  /** The old feeds' `#atr_xxxxxxxx` tags: one community could have several feeds. */
  oldHashtags: string[]
  /** `already migrated`: a config in the repo names this old id in `migratedFrom`. */
  status: 'new' | 'already migrated'
  uri: string
  id: string
  hashtag: string
  rkey: string
  /** Only for new ones: the config record to write. */
  record?: Record<string, unknown>
  stage?: Stage
  feedMix?: FeedMix
  parent?: string
  moderators: string[]
  /** Former members (role 'member'): they write their own membership records. */
  members: string[]
  joinLink: string
  actions: PlannedAction[]
  warnings: string[]
}

export interface SkippedCommunity {
  oldId: string
  oldName: string
  /** The owner DIDs the dump names (normally one; none when it names no owner). */
  owners: string[]
  why: string
}

export interface MigrationPlan {
  owner: string
  communities: PlannedCommunity[]
  skipped: SkippedCommunity[]
  notes: string[]
}

export interface PlanInput {
  dump: D1Dump
  /** The signed-in DID (or `--owner` in a dry run). */
  owner: string
  /** Configs already in the owner's repo by `migratedFrom`: old id → config AT-URI. */
  existing?: ReadonlyMap<string, string>
  /** Actions already in the owner's repo by `migratedFrom`: `actionKey(...)` values. */
  existingActions?: ReadonlySet<string>
  web?: string
  newRkey: () => string
  now: string
}

export const actionKey = (community: string, action: string, target: string): string => `${community} ${action} ${target}`

/**
 * Parents before children, so a child can name its parent's new AT-URI. A cycle (impossible in
 * the old UI, possible in data) is cut where it is found, with a warning.
 */
export function orderParentsFirst(ids: readonly string[], parentOf: (id: string) => string | null): { order: string[]; cut: Set<string> } {
  const inSet = new Set(ids)
  const order: string[] = []
  const done = new Set<string>()
  const cut = new Set<string>()
  const visit = (id: string, path: Set<string>) => {
    if (done.has(id)) return
    const parent = parentOf(id)
    if (parent !== null && inSet.has(parent)) {
      if (path.has(parent)) cut.add(id)
      else visit(parent, new Set([...path, id]))
    }
    if (!done.has(id)) {
      done.add(id)
      order.push(id)
    }
  }
  for (const id of ids) visit(id, new Set([id]))
  return { order, cut }
}

/** Builds one action record, dropping (with a warning) a reason that SPEC §8 or the lexicon refuses. */
function planAction(c: ActionCandidate, community: string, oldId: string, createdAt: string, warnings: string[]): Record<string, unknown> | undefined {
  let reason = c.reason
  if (reason !== undefined) {
    const safe = checkReason(reason)
    if (!safe.ok) {
      warnings.push(`the reason of ${c.action} ${c.target} was dropped, the action kept: ${safe.error.replace(/^refusing to write this action: /, '')}`)
      reason = undefined
    }
  }
  const build = (r: string | undefined) => buildActionRecord({ action: c.action, target: c.target, community, ...(r !== undefined ? { reason: r } : {}), createdAt })
  let built = build(reason)
  if (!built.ok && reason !== undefined) {
    const without = build(undefined)
    if (without.ok) warnings.push(`the reason of ${c.action} ${c.target} was dropped, the action kept: ${built.error}`)
    built = without
  }
  if (!built.ok) {
    warnings.push(`${c.action} ${c.target} is not carried over: ${built.error}`)
    return undefined
  }
  const record = { ...built.value, [MIGRATED_FROM]: oldId }
  // The marker is an extra field; validation must still accept the record (SPEC §2).
  const valid = validateAction(record)
  return valid.ok ? record : (warnings.push(`${c.action} ${c.target} is not carried over: ${valid.error}`), undefined)
}

export function planMigration(input: PlanInput): Result<MigrationPlan> {
  const { dump, owner } = input
  const existing = input.existing ?? new Map<string, string>()
  const existingActions = input.existingActions ?? new Set<string>()
  const notes = [...dump.notes]
  const byId = new Map<string, OldCommunity>()
  for (const c of dump.communities) {
    if (byId.has(c.id)) return err(`the export holds community ${c.id} twice`)
    byId.set(c.id, c)
  }
  const rolesOf = (id: string, role: string) => dump.memberships.filter((m) => m.communityId === id && m.role === role)
  const ownersOf = (id: string) => [...new Set(rolesOf(id, 'owner').map((m) => m.did))]

  const skipped: SkippedCommunity[] = []
  const mine: OldCommunity[] = []
  for (const c of dump.communities) {
    const owners = ownersOf(c.id)
    if (!owners.includes(owner)) {
      skipped.push({ oldId: c.id, oldName: c.name, owners, why: owners.length === 0 ? 'the export names no owner' : `owned by ${owners.join(', ')}` })
    } else if (c.archivedAt !== null) {
      // Closed by its owner in the old service, which then hid it everywhere.
      skipped.push({ oldId: c.id, oldName: c.name, owners, why: 'closed (archived) in the old service' })
    } else mine.push(c)
  }
  const mineIds = new Set(mine.map((c) => c.id))
  const { order, cut } = orderParentsFirst(
    [...mine].sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0) || (a.id < b.id ? -1 : 1)).map((c) => c.id),
    (id) => byId.get(id)!.parentId,
  )

  const uriOf = new Map<string, string>(existing)
  const communities: PlannedCommunity[] = []
  for (const oldId of order) {
    const c = byId.get(oldId)!
    const warnings: string[] = []
    const oldHashtags = [...new Set(dump.feeds.filter((f) => f.communityId === oldId && f.hashtag).map((f) => f.hashtag!))].sort()
    const moderatorRows = rolesOf(oldId, 'moderator').sort((a, b) => (a.joinedAt ?? 0) - (b.joinedAt ?? 0))
    let moderators = [...new Set(moderatorRows.map((m) => m.did))].filter((d) => d !== owner)
    const badModerators = moderators.filter((d) => !isValidDid(d))
    if (badModerators.length > 0) warnings.push(`moderators that are not DIDs are left out: ${badModerators.join(', ')}`)
    moderators = moderators.filter((d) => isValidDid(d))
    if (moderators.length > MAX_MODERATORS) {
      warnings.push(`a config holds at most ${MAX_MODERATORS} moderators; the ${moderators.length - MAX_MODERATORS} who joined last are left out: ${moderators.slice(MAX_MODERATORS).join(', ')}`)
      moderators = moderators.slice(0, MAX_MODERATORS)
    }
    const modSet = new Set(moderators)
    const members = [...new Set(rolesOf(oldId, 'member').map((m) => m.did))].filter((d) => d !== owner && !modSet.has(d) && isValidDid(d))

    const already = existing.get(oldId)
    let planned: PlannedCommunity
    if (already !== undefined) {
      const rkey = already.split('/').pop()!
      const id = communityIdOf(already)
      planned = { oldId, oldName: c.name, oldHashtags, status: 'already migrated', uri: already, id, hashtag: hashtagOf(id), rkey, moderators, members, joinLink: joinLink(input.web, owner, rkey), actions: [], warnings }
    } else {
      const stage = mapStage(c.stage)
      if (!stage.ok) warnings.push(`${stage.error}: it becomes theme`)
      const mix = feedMixFromFractions(c.feedMix)
      if (!mix.ok) warnings.push(`${mix.error}: it becomes the default ${DEFAULT_FEED_MIX.own}/${DEFAULT_FEED_MIX.parent}/${DEFAULT_FEED_MIX.global}`)
      const feedMix = mix.ok ? mix.value : DEFAULT_FEED_MIX
      let parent: string | undefined
      if (c.parentId !== null) {
        const p = byId.get(c.parentId)
        if (cut.has(oldId)) warnings.push(`its parent ${c.parentId} leads back to it (a cycle); it is written without a parent`)
        else if (uriOf.has(c.parentId)) parent = uriOf.get(c.parentId)
        else if (!p) warnings.push(`its parent ${c.parentId} is not in the export; it is written without a parent`)
        else if (!mineIds.has(c.parentId)) {
          const why = p.archivedAt !== null && ownersOf(p.id).includes(owner) ? 'was closed in the old service' : `is owned by ${ownersOf(p.id).join(', ') || 'nobody in the export'}`
          warnings.push(`its parent ${p.name} (${p.id}) ${why} and is not migrated by you; it is written without a parent (set one later: atrarium community update <id> --parent <config AT-URI>)`)
        }
      }
      if (parent === undefined && feedMix.parent > 0) warnings.push(`its feed mix gives ${feedMix.parent}% to parent posts, and it has no parent: those places go to the other sources`)
      const rkey = input.newRkey()
      const description = c.description ?? undefined
      const built = buildConfigRecord({
        ownerDid: owner,
        rkey,
        name: c.name,
        ...(description ? { description } : {}),
        stage: stage.ok ? stage.value : 'theme',
        ...(parent ? { parentCommunity: parent } : {}),
        feedMix,
        moderators,
        createdAt: isoFromSeconds(c.createdAt) ?? input.now,
      })
      if (!built.ok) return err(`community ${c.name} (${oldId}) cannot be migrated: ${built.error}`)
      const record = { ...built.value.record, [MIGRATED_FROM]: oldId }
      const valid = validateConfig(built.value.uri, record)
      if (!valid.ok) return err(`community ${c.name} (${oldId}) cannot be migrated: ${valid.error}`)
      planned = {
        oldId, oldName: c.name, oldHashtags, status: 'new', uri: built.value.uri, id: built.value.id, hashtag: built.value.hashtag, rkey, record,
        stage: stage.ok ? stage.value : 'theme', feedMix, ...(parent ? { parent } : {}), moderators, members,
        joinLink: joinLink(input.web, owner, rkey), actions: [], warnings,
      }
    }
    uriOf.set(oldId, planned.uri)

    for (const a of selectActions(dump, oldId)) {
      if (a.action === 'block_user' && a.target === owner) {
        warnings.push(`the block of ${owner} (you, the owner) is not carried over: blocking the owner has no effect (SPEC §3)`)
        continue
      }
      const record = planAction(a, planned.uri, oldId, isoFromSeconds(a.at) ?? input.now, warnings)
      if (record) planned.actions.push({ ...a, record, done: existingActions.has(actionKey(planned.uri, a.action, a.target)) })
    }
    planned.actions.sort((x, y) => (x.at ?? 0) - (y.at ?? 0) || (x.target < y.target ? -1 : 1))
    communities.push(planned)
  }
  if (mine.length === 0 && dump.communities.length > 0) notes.push(`none of the ${dump.communities.length} communities in the export is owned by ${owner}`)
  return ok({ owner, communities, skipped, notes })
}
