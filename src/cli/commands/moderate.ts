import { canModerate } from '../../core/moderation.js'
import { NSID } from '../../core/nsid.js'
import type { ActionKind } from '../../core/records.js'
import { err, ok } from '../../core/result.js'
import { str } from '../args.js'
import type { Command } from '../command.js'
import { loadCommunity } from '../community-ref.js'
import { buildActionRecord, checkReason } from '../../records/action-record.js'
import { write } from '../repo.js'
import { nextTid } from '../../records/tid.js'

interface Spec {
  name: string
  action: ActionKind
  summary: string
  target: string
}

const SPECS: Spec[] = [
  { name: 'hide', action: 'hide_post', summary: 'hide a post from a community feed', target: '<post-uri>' },
  { name: 'unhide', action: 'unhide_post', summary: 'show a hidden post again', target: '<post-uri>' },
  { name: 'block', action: 'block_user', summary: "keep an account's posts out of a community feed", target: '<did|handle>' },
  { name: 'unblock', action: 'unblock_user', summary: 'lift a block', target: '<did|handle>' },
  { name: 'approve', action: 'approve_member', summary: 'admit a pending member (communities that ask for approval)', target: '<did|handle>' },
  { name: 'reject', action: 'reject_member', summary: 'turn down a pending member, or end an approval', target: '<did|handle>' },
]

const DID_TARGETS: ReadonlySet<ActionKind> = new Set(['block_user', 'unblock_user', 'approve_member', 'reject_member'])

/**
 * A moderation action is a new record each time: the latest one in force decides (SPEC §5), so
 * unhide/unblock write a counter-action rather than deleting history.
 */
function moderationCommand(spec: Spec): Command {
  const isBlock = DID_TARGETS.has(spec.action)
  return {
    path: [spec.name],
    summary: spec.summary,
    usage: `atrarium ${spec.name} ${spec.target} --community <community> [--reason <text>]`,
    help: `  ${spec.target.padEnd(24)} ${isBlock ? 'the account' : 'the post AT-URI at://<did>/app.bsky.feed.post/<rkey>'}
  --community <community>  config AT-URI, or the 8-hex id of a community you own (required)
  --reason <text>          public, at most 300 graphemes; refused if it contains an e-mail address
                           or a phone number, because moderation actions are public records (SPEC §8)`,
    options: { community: { type: 'string' }, reason: { type: 'string' } },
    args: [1, 1],
    async run({ values, positionals, ctx }) {
      const ref = str(values, 'community')
      if (ref === undefined) return err('--community is required')
      const reason = str(values, 'reason')
      // Refused before any network round trip.
      const safe = checkReason(reason)
      if (!safe.ok) return safe

      const session = await ctx.signIn()
      if (!session.ok) return session
      const { agent, did } = session.value
      let target = positionals[0]!
      if (isBlock) {
        const resolved = await ctx.identity.didOf(target)
        if (!resolved.ok) return resolved
        target = resolved.value
      }
      const community = await loadCommunity(ctx, ref)
      if (!community.ok) return community
      if (!canModerate(community.value, did)) {
        return err(`you are neither the owner nor a moderator of ${community.value.uri}; the action would not be in force (SPEC §3)`)
      }
      const record = buildActionRecord({ action: spec.action, community: community.value.uri, target, ...(reason !== undefined ? { reason } : {}), createdAt: new Date().toISOString() })
      if (!record.ok) return record
      const res = await write('writing the moderation action', () =>
        agent.com.atproto.repo.putRecord({ repo: did, collection: NSID.action, rkey: nextTid(), record: record.value }),
      )
      if (!res.ok) return res
      return ok({
        text: `${spec.action} ${target} in ${community.value.config.name}\n  action: ${res.value.data.uri}`,
        json: { action: spec.action, target, community: community.value.uri, uri: res.value.data.uri, cid: res.value.data.cid },
      })
    },
  }
}

export const moderationCommands: Command[] = SPECS.map(moderationCommand)
