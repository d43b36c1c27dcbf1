import { isValidDid } from '@atproto/syntax'
import { NSID } from '../../core/nsid.js'
import { err, ok, type Result } from '../../core/result.js'
import { intOption, str, urlOption } from '../args.js'
import type { Command, CommandOutput } from '../command.js'
import type { CliContext } from '../context.js'
import { loadDumpFile } from '../migrate-d1/load-dump.js'
import { actionKey, MIGRATED_FROM, planMigration, type MigrationPlan, type PlannedAction, type PlannedCommunity } from '../migrate-d1/plan.js'
import { verifyService, type Verified } from '../migrate-d1/verify.js'
import { listAllRecords, write } from '../repo.js'
import { nextTid } from '../../records/tid.js'

const DEFAULT_VERIFY_SECONDS = 60

/** What the owner's repo already holds from earlier runs: the migration is idempotent by these. */
async function alreadyMigrated(ctx: CliContext): Promise<Result<{ configs: Map<string, string>; actions: Set<string> }>> {
  const session = await ctx.signIn()
  if (!session.ok) return session
  const { agent, did } = session.value
  const configs = await listAllRecords(agent, did, NSID.config)
  if (!configs.ok) return configs
  const actions = await listAllRecords(agent, did, NSID.action)
  if (!actions.ok) return actions
  const byOldId = new Map<string, string>()
  // Oldest first (TID order), so a duplicate left by some accident resolves to the first one.
  for (const r of [...configs.value].sort((a, b) => (a.uri < b.uri ? -1 : 1))) {
    const from = r.value[MIGRATED_FROM]
    if (typeof from === 'string' && !byOldId.has(from)) byOldId.set(from, r.uri)
  }
  const keys = new Set<string>()
  for (const r of actions.value) {
    const v = r.value
    if (typeof v[MIGRATED_FROM] === 'string') keys.add(actionKey(String(v.community), String(v.action), String(v.target)))
  }
  return ok({ configs: byOldId, actions: keys })
}

interface Done {
  config: 'written' | 'pending' | 'exists'
  /** Actions this run wrote; `PlannedAction.done` says which an earlier run had. */
  written: Set<PlannedAction>
}
type Progress = Map<PlannedCommunity, Done>

/** Writes the plan in order (parents first); stops at the first refused write. */
async function writePlan(ctx: CliContext, plan: MigrationPlan, progress: Progress): Promise<Result<void>> {
  const session = await ctx.signIn()
  if (!session.ok) return session
  const { agent, did } = session.value
  for (const c of plan.communities) {
    const p = progress.get(c)!
    if (c.status === 'new') {
      const res = await write(`writing the config of ${c.oldName} (${c.oldId})`, () =>
        agent.com.atproto.repo.putRecord({ repo: did, collection: NSID.config, rkey: c.rkey, record: c.record! }),
      )
      if (!res.ok) return res
      p.config = 'written'
    }
    for (const a of c.actions) {
      if (a.done) continue
      const res = await write(`writing ${a.action} ${a.target} in ${c.oldName}`, () =>
        agent.com.atproto.repo.putRecord({ repo: did, collection: NSID.action, rkey: nextTid(), record: a.record }),
      )
      if (!res.ok) return res
      p.written.add(a)
    }
  }
  return ok(undefined)
}

const quote = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s)

function actionStatus(a: PlannedAction, dryRun: boolean, p: Done | undefined): string {
  if (p?.written.has(a)) return 'written'
  if (a.done) return 'already migrated'
  return dryRun ? 'would write' : 'not written'
}

function configStatus(c: PlannedCommunity, dryRun: boolean, p: Done | undefined): string {
  if (c.status === 'already migrated') return 'already migrated'
  if (dryRun) return 'would write'
  return p?.config === 'written' ? 'written' : 'not written'
}

function communityText(c: PlannedCommunity, dryRun: boolean, p: Done | undefined, v: Verified | undefined): string {
  const lines = [`${c.oldName} (${c.oldId}) → ${c.uri}  [${configStatus(c, dryRun, p)}]`]
  lines.push(`  hashtag:    ${c.oldHashtags.length > 0 ? c.oldHashtags.join(', ') : '(none in the export)'} → ${c.hashtag}`)
  if (c.status === 'new') {
    lines.push(`  stage ${c.stage}, feed mix ${c.feedMix!.own}/${c.feedMix!.parent}/${c.feedMix!.global}, parent ${c.parent ?? 'none'}`)
  }
  lines.push(`  moderators: ${c.moderators.length > 0 ? c.moderators.join(', ') : 'none'}`)
  lines.push(`  join link:  ${c.joinLink}`)
  lines.push(c.members.length > 0 ? `  send it to the ${c.members.length} former member(s): ${c.members.join(', ')}` : '  no former members to invite')
  if (c.actions.length === 0) lines.push('  moderation: nothing in force to carry over')
  else {
    lines.push('  moderation:')
    for (const a of c.actions) {
      lines.push(`    ${a.action} ${a.target}${a.record.reason ? ` (reason ${quote(String(a.record.reason))})` : ''}  [${actionStatus(a, dryRun, p)}]`)
    }
  }
  for (const w of c.warnings) lines.push(`  warning: ${w}`)
  if (v) {
    lines.push(
      v.feedAnswered
        ? `  verified: indexed (${v.members ?? '?'} members, ${v.postsIndexed ?? '?'} posts indexed${v.parent ? `, parent ${v.parent}` : ''}), feed answered with ${v.feedPosts} post(s)`
        : `  NOT verified: ${v.indexed ? 'indexed, but the feed did not answer' : 'not indexed'} (${v.lastError ?? 'no answer'})`,
    )
  }
  return lines.join('\n')
}

function report(plan: MigrationPlan, dryRun: boolean, progress: Progress, verified: Verified[] | undefined, web: string | undefined): CommandOutput {
  const byUri = new Map((verified ?? []).map((v) => [v.uri, v]))
  const parts: string[] = []
  parts.push(dryRun ? `dry run for ${plan.owner}: nothing is written and nothing is read from the network` : `migration for ${plan.owner}`)
  if (plan.communities.length === 0) parts.push('no community to migrate')
  for (const c of plan.communities) parts.push(communityText(c, dryRun, progress.get(c), byUri.get(c.uri)))
  if (plan.skipped.length > 0) {
    parts.push(['skipped:', ...plan.skipped.map((s) => `  ${s.oldName} (${s.oldId}): ${s.why}`)].join('\n'))
  }
  const notes = [...plan.notes]
  if (dryRun) {
    notes.push('a real run picks new record keys, so its AT-URIs, ids and hashtags differ from the ones shown here')
    notes.push('a dry run does not read your repo, so it cannot tell which communities are already migrated')
  }
  if (!web) notes.push('join links are paths: give --web <url> (or ATRARIUM_WEB_URL) for the web app\'s address')
  notes.push('members write their own membership records: send each the join link (or: atrarium join <config AT-URI>)')
  notes.push('posts now carry the new hashtag; publish each feed with: atrarium feed publish <id> --service-did <did:web:your-host>')
  parts.push(notes.map((n) => `note: ${n}`).join('\n'))
  const communities = plan.communities.map((c) => ({
    oldId: c.oldId,
    oldName: c.oldName,
    status: configStatus(c, dryRun, progress.get(c)),
    uri: c.uri,
    id: c.id,
    hashtag: c.hashtag,
    oldHashtags: c.oldHashtags,
    ...(c.record ? { record: c.record } : {}),
    moderators: c.moderators,
    members: c.members,
    joinLink: c.joinLink,
    actions: c.actions.map((a) => ({ action: a.action, target: a.target, source: a.source, ...(a.by ? { by: a.by } : {}), record: a.record, status: actionStatus(a, dryRun, progress.get(c)) })),
    warnings: c.warnings,
    ...(byUri.has(c.uri) ? { verify: byUri.get(c.uri) } : {}),
  }))
  return {
    text: parts.join('\n\n'),
    json: { dryRun, owner: plan.owner, communities, skipped: plan.skipped, notes },
  }
}

export const migrateD1: Command = {
  path: ['migrate-d1'],
  summary: 'carry your communities over from a `wrangler d1 export` of the earlier, D1-based Atrarium',
  usage: 'atrarium migrate-d1 <export.sql> [--dry-run --owner <did>] [--web <url>] [--verify <service-url>] [--verify-timeout <seconds>]',
  help: `  <export.sql>             the file \`wrangler d1 export <db> --output <file>\` wrote (at most 256 MiB)
  --dry-run                show the plan, writing nothing and without sign-in or network
  --owner <did>            whose communities to plan in a dry run (required there); in a real run
                           the signed-in DID, and refused if it differs
  --web <url>              the web app's address for the join links (or ATRARIUM_WEB_URL; default:
                           the --verify URL)
  --verify <service-url>   after writing, wait until your service has indexed each new community and
                           answers its feed, and report what it sees (http or https)
  --verify-timeout <s>     how long to wait for that (default ${DEFAULT_VERIFY_SECONDS})

Writes, for each community the export says you own (memberships row with role owner), a config
with a new id and hashtag, the old name, description, stage, parent (when you migrate it too),
feed mix (fractions → percentages) and moderators, and the moderation still in force (hidden
posts, blocked users) as your own actions. Each record carries "migratedFrom": <old id>, so a
second run skips what is done and continues what a failure interrupted.`,
  options: {
    'dry-run': { type: 'boolean' },
    owner: { type: 'string' },
    web: { type: 'string' },
    verify: { type: 'string' },
    'verify-timeout': { type: 'string' },
  },
  args: [1, 1],
  async run({ values, positionals, ctx }) {
    const dryRun = values['dry-run'] === true
    const owner = str(values, 'owner')
    if (owner !== undefined && !isValidDid(owner)) return err(`--owner must be a DID, got ${owner}`)
    if (dryRun && owner === undefined) return err('--dry-run needs --owner <did>: a dry run does not sign in, so it cannot know who you are')
    const verify = urlOption(values, 'verify')
    if (!verify.ok) return verify
    if (dryRun && verify.value) return err('--verify checks what a run wrote; a dry run writes nothing')
    const webFlag = urlOption({ web: str(values, 'web') ?? (ctx.env.ATRARIUM_WEB_URL || undefined) }, 'web')
    if (!webFlag.ok) return webFlag
    const web = webFlag.value ?? verify.value
    const seconds = intOption(values, 'verify-timeout', DEFAULT_VERIFY_SECONDS, 3600)
    if (!seconds.ok) return seconds

    // Everything that can be wrong with the input is found before sign-in, and before any write.
    const dump = loadDumpFile(positionals[0]!)
    if (!dump.ok) return dump

    let did: string = owner!
    let existing = { configs: new Map<string, string>(), actions: new Set<string>() }
    if (!dryRun) {
      const session = await ctx.signIn()
      if (!session.ok) return session
      did = session.value.did
      if (owner !== undefined && owner !== did) return err(`--owner ${owner} is not the signed-in account ${did}`)
      const found = await alreadyMigrated(ctx)
      if (!found.ok) return found
      existing = found.value
    }
    const plan = planMigration({ dump: dump.value, owner: did, existing: existing.configs, existingActions: existing.actions, ...(web ? { web } : {}), newRkey: () => nextTid(), now: new Date().toISOString() })
    if (!plan.ok) return plan
    const progress: Progress = new Map(plan.value.communities.map((c) => [c, { config: c.status === 'new' ? 'pending' : 'exists', written: new Set() }]))
    if (dryRun) return ok(report(plan.value, true, progress, undefined, web))

    const written = await writePlan(ctx, plan.value, progress)
    if (!written.ok) {
      const out = report(plan.value, false, progress, undefined, web)
      return ok({ ...out, error: `${written.error}; what was written is listed above, and running the same command again continues from there` })
    }
    let verified: Verified[] | undefined
    if (verify.value) {
      verified = await verifyService(verify.value, did, plan.value.communities, seconds.value * 1000)
      const missing = verified.filter((v) => !v.feedAnswered)
      if (missing.length > 0) {
        const out = report(plan.value, false, progress, verified, web)
        return ok({ ...out, error: `written, but within ${seconds.value} s the service at ${verify.value} did not index and serve ${missing.map((v) => v.uri).join(', ')}` })
      }
    }
    return ok(report(plan.value, false, progress, verified, web))
  },
}
