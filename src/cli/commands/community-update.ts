import { NSID } from '../../core/nsid.js'
import { isConfigUri } from '../../core/record-validation.js'
import { err, ok } from '../../core/result.js'
import { list, str } from '../args.js'
import type { Command } from '../command.js'
import { loadCommunity } from '../community-ref.js'
import { applyConfigChanges, hasChanges, type ConfigChanges } from '../../records/config-record.js'
import { configOptions } from '../config-options.js'
import { parseRecordUri, write } from '../repo.js'
import { resolveDids } from './resolve-dids.js'

export const communityUpdate: Command = {
  path: ['community', 'update'],
  summary: 'change your community config (read, modify, write with compare-and-swap)',
  usage: 'atrarium community update <community> [--name <name>] [--description <text>] [--stage <stage>] [--parent <at-uri>|none] [--feed-mix o,p,g] [--membership open|approval] [--allow-adult true|false] [--pin <post-uri>|none]... [--add-moderator <did>]... [--remove-moderator <did>]...',
  help: `  <community>              config AT-URI, or the 8-hex id of a community you own
  --name, --description, --stage, --feed-mix, --membership, --allow-adult   as for create
  --parent <at-uri>|none   set or remove the parent community
  --pin <post-uri>|none    the posts the feed's first page starts with (up to 3, yours or a
                           moderator's; repeat in order; replaces the list); none removes them (SPEC §10)
  --add-moderator <did>    repeatable
  --remove-moderator <did> repeatable; removing a moderator withdraws their actions (SPEC §3)`,
  options: {
    name: { type: 'string' },
    description: { type: 'string' },
    stage: { type: 'string' },
    parent: { type: 'string' },
    'feed-mix': { type: 'string' },
    membership: { type: 'string' },
    'allow-adult': { type: 'string' },
    pin: { type: 'string', multiple: true },
    'add-moderator': { type: 'string', multiple: true },
    'remove-moderator': { type: 'string', multiple: true },
  },
  args: [1, 1],
  async run({ values, positionals, ctx }) {
    const settings = configOptions(values)
    if (!settings.ok) return settings
    const changes: ConfigChanges = { ...settings.value }
    const name = str(values, 'name')
    if (name !== undefined) changes.name = name
    const description = str(values, 'description')
    if (description !== undefined) changes.description = description
    const pins = list(values, 'pin')
    if (pins.length > 0) changes.pinnedPosts = pins.includes('none') ? [] : pins
    const parent = str(values, 'parent')
    if (parent === 'none') changes.parentCommunity = null
    else if (parent !== undefined) {
      if (!isConfigUri(parent)) return err(`--parent must be a config AT-URI or none, got ${parent}`)
      changes.parentCommunity = parent
    }
    const add = await resolveDids(ctx, list(values, 'add-moderator'))
    if (!add.ok) return add
    const remove = await resolveDids(ctx, list(values, 'remove-moderator'))
    if (!remove.ok) return remove
    changes.addModerators = add.value
    changes.removeModerators = remove.value
    if (!hasChanges(changes)) return err('nothing to change: give at least one of --name, --description, --stage, --parent, --feed-mix, --membership, --allow-adult, --pin, --add-moderator, --remove-moderator')

    const session = await ctx.signIn()
    if (!session.ok) return session
    const current = await loadCommunity(ctx, positionals[0]!)
    if (!current.ok) return current
    const { uri, owner, cid, raw } = current.value
    if (owner !== session.value.did) return err(`only the owner (${owner}) can change ${uri}`)
    const next = applyConfigChanges(uri, raw, changes)
    if (!next.ok) return next
    // swapRecord: a concurrent change by another client makes this write fail instead of losing it.
    const res = await write('updating the config', () =>
      session.value.agent.com.atproto.repo.putRecord({ repo: owner, collection: NSID.config, rkey: parseRecordUri(uri).rkey, record: next.value, swapRecord: cid }),
    )
    if (!res.ok) return res
    return ok({ text: `updated ${uri}`, json: { uri, cid: res.value.data.cid, record: next.value } })
  },
}
