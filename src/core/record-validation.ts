/**
 * Validation of the three net.atrarium.* records (SPEC §1, §2): first against the lexicon
 * documents, then the rules a lexicon cannot express. Every failure is a value, never a throw.
 */
import { isDatetimeString, isValidDid, isValidRecordKey, parseAtUriString } from '@atproto/syntax'
import { communityIdOf, hashtagOf } from './community-id.js'
import { lexicons } from './lexicon-docs.js'
import { NSID } from './nsid.js'
import {
  DEFAULT_FEED_MIX,
  type ActionKind,
  type CommunityConfig,
  type FeedMix,
  type Membership,
  type MembershipPolicy,
  type ModerationAction,
  type Role,
  type Stage,
} from './records.js'
import { err, ok, type Result } from './result.js'

type RecordNsid = typeof NSID.config | typeof NSID.membership | typeof NSID.action

/** Shapes guaranteed by the lexicon documents once `validateLexicon` has passed. */
interface ConfigRecord {
  name: string
  description?: string
  hashtag: string
  stage: Stage
  parentCommunity?: string
  feedMix?: FeedMix
  moderators: string[]
  membership?: MembershipPolicy
  pinnedPosts?: string[]
  contentPolicy?: { allowAdult?: boolean }
  createdAt: string
}
interface MembershipRecord {
  community: string
  role: Role
  joinedAt: string
  active: boolean
}
interface ActionRecord {
  action: ActionKind
  target: string
  community: string
  reason?: string
  createdAt: string
}

/** Quote a value for an error message, keeping messages short even for 8 KB strings. */
function show(value: string): string {
  return JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…` : value)
}

interface RecordUriParts {
  did: string
  collection: string
  rkey: string
}

/**
 * `at://<did>/<collection>/<rkey>` exactly: a valid AT-URI under @atproto/syntax's strict parser,
 * with a DID authority, a valid record key, and no trailing slash, query or fragment.
 */
function recordUriParts(s: string): RecordUriParts | undefined {
  const parsed = parseAtUriString(s) // strict by default: the record key must be valid too
  if (!parsed.success) return undefined
  const { authority, collection, rkey } = parsed.value
  if (collection === undefined || rkey === undefined) return undefined
  if (!isValidDid(authority) || !isValidRecordKey(rkey)) return undefined
  if (s !== `at://${authority}/${collection}/${rkey}`) return undefined
  return { did: authority, collection, rkey }
}

/**
 * A config AT-URI in canonical form, `at://<did>/net.atrarium.community.config/<rkey>`. Handles
 * are refused: the community id is derived from the DID form (SPEC §1).
 */
export function isConfigUri(s: string): boolean {
  return recordUriParts(s)?.collection === NSID.config
}

/** A post AT-URI in canonical form, `at://<did>/app.bsky.feed.post/<rkey>`. */
function isPostUri(s: string): boolean {
  return recordUriParts(s)?.collection === NSID.post
}

/**
 * The lexicon library checks `format: "datetime"` with a generic ISO-8601 validator that disagrees
 * with the atproto datetime rules (and the interop vectors) in both directions: it accepts
 * `1985-04-12T23:20:50` (no timezone) and rejects `1985-04-12T23:20:50.123+01:45`. Those fields
 * are therefore checked with @atproto/syntax instead; the lexicon sees a known-good placeholder.
 * The field list is read from the lexicon documents, so they stay the source of truth.
 */
const DATETIME_PLACEHOLDER = '1970-01-01T00:00:00.000Z'

function datetimeFieldsOf(nsid: RecordNsid): string[] {
  const def = lexicons.getDefOrThrow(nsid, ['record'])
  return Object.entries(def.record.properties ?? {})
    .filter(([, prop]) => prop.type === 'string' && prop.format === 'datetime')
    .map(([name]) => name)
}

const DATETIME_FIELDS: Record<RecordNsid, string[]> = {
  [NSID.config]: datetimeFieldsOf(NSID.config),
  [NSID.membership]: datetimeFieldsOf(NSID.membership),
  [NSID.action]: datetimeFieldsOf(NSID.action),
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Lexicon validation (including `$type`), with datetimes checked as atproto datetimes. */
function validateLexicon(nsid: RecordNsid, value: unknown): Result<Record<string, unknown>> {
  if (!isPlainObject(value)) return err(`${nsid}: record must be an object`)
  const fields = DATETIME_FIELDS[nsid]
  const forLexicon: Record<string, unknown> = { ...value }
  for (const field of fields) {
    if (typeof value[field] === 'string') forLexicon[field] = DATETIME_PLACEHOLDER
  }
  try {
    lexicons.assertValidRecord(nsid, forLexicon)
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    return err(`${nsid}: ${message.replace(/^Record\//, '')}`)
  }
  for (const field of fields) {
    const v = value[field]
    if (typeof v === 'string' && !isDatetimeString(v)) {
      return err(`${nsid}: ${field} must be a valid atproto datetime (got ${show(v)})`)
    }
  }
  return ok(value)
}

const CONFIG_URI_SHAPE = `at://<did>/${NSID.config}/<rkey>`

function checkCommunityRef(nsid: RecordNsid, field: string, uri: string): Result<string> {
  return isConfigUri(uri)
    ? ok(uri)
    : err(`${nsid}: ${field} must be a community config AT-URI ${CONFIG_URI_SHAPE} (got ${show(uri)})`)
}

/**
 * Validates a community config record. `uri` is the record's own AT-URI, from which the
 * community id and hashtag are derived (SPEC §1).
 */
export function validateConfig(uri: string, value: unknown): Result<CommunityConfig> {
  if (!isConfigUri(uri)) {
    return err(`${NSID.config}: record URI ${show(uri)} is not of the form ${CONFIG_URI_SHAPE}`)
  }
  const checked = validateLexicon(NSID.config, value)
  if (!checked.ok) return checked
  const rec = checked.value as unknown as ConfigRecord

  const mix = rec.feedMix ?? DEFAULT_FEED_MIX
  const sum = mix.own + mix.parent + mix.global
  if (sum !== 100) return err(`${NSID.config}: feedMix must sum to 100 (got ${sum})`)

  const expected = hashtagOf(communityIdOf(uri))
  if (rec.hashtag !== expected) {
    return err(`${NSID.config}: hashtag ${show(rec.hashtag)} does not match the derived ${expected}`)
  }

  if (rec.parentCommunity !== undefined) {
    const parent = checkCommunityRef(NSID.config, 'parentCommunity', rec.parentCommunity)
    if (!parent.ok) return parent
    if (rec.parentCommunity === uri) {
      return err(`${NSID.config}: parentCommunity must not be the community itself`)
    }
  }

  const config: CommunityConfig = {
    name: rec.name,
    hashtag: rec.hashtag,
    stage: rec.stage,
    feedMix: { own: mix.own, parent: mix.parent, global: mix.global },
    moderators: [...new Set(rec.moderators)],
    createdAt: rec.createdAt,
  }
  if (rec.description !== undefined) config.description = rec.description
  if (rec.parentCommunity !== undefined) config.parentCommunity = rec.parentCommunity
  if (rec.membership === 'approval') config.membership = 'approval'
  if (rec.pinnedPosts !== undefined && rec.pinnedPosts.length > 0) {
    const bad = rec.pinnedPosts.find((u) => !isPostUri(u))
    if (bad !== undefined) return err(`${NSID.config}: pinnedPosts must be post AT-URIs at://<did>/${NSID.post}/<rkey> (got ${show(bad)})`)
    config.pinnedPosts = [...new Set(rec.pinnedPosts)]
  }
  if (rec.contentPolicy?.allowAdult === true) config.contentPolicy = { allowAdult: true }
  return ok(config)
}

/** Validates a membership record. */
export function validateMembership(value: unknown): Result<Membership> {
  const checked = validateLexicon(NSID.membership, value)
  if (!checked.ok) return checked
  const rec = checked.value as unknown as MembershipRecord
  const community = checkCommunityRef(NSID.membership, 'community', rec.community)
  if (!community.ok) return community
  return ok({ community: rec.community, role: rec.role, joinedAt: rec.joinedAt, active: rec.active })
}

/**
 * Validates a moderation action record. Ingestion does not apply the §8 reason-privacy check
 * (`checkReasonPrivacy`), which is for tools that write actions.
 */
export function validateAction(value: unknown): Result<ModerationAction> {
  const checked = validateLexicon(NSID.action, value)
  if (!checked.ok) return checked
  const rec = checked.value as unknown as ActionRecord
  const community = checkCommunityRef(NSID.action, 'community', rec.community)
  if (!community.ok) return community

  switch (rec.action) {
    case 'hide_post':
    case 'unhide_post':
      if (!isPostUri(rec.target)) {
        return err(
          `${NSID.action}: target of ${rec.action} must be a post AT-URI at://<did>/${NSID.post}/<rkey> (got ${show(rec.target)})`,
        )
      }
      break
    case 'block_user':
    case 'unblock_user':
    case 'approve_member':
    case 'reject_member':
      if (!isValidDid(rec.target)) {
        return err(`${NSID.action}: target of ${rec.action} must be a DID (got ${show(rec.target)})`)
      }
      break
  }

  const action: ModerationAction = {
    action: rec.action,
    target: rec.target,
    community: rec.community,
    createdAt: rec.createdAt,
  }
  if (rec.reason !== undefined) action.reason = rec.reason
  return ok(action)
}
