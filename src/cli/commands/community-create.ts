import { NSID } from '../../core/nsid.js'
import { err, ok } from '../../core/result.js'
import { list, str } from '../args.js'
import type { Command } from '../command.js'
import { isConfigUri } from '../../core/record-validation.js'
import { buildConfigRecord } from '../../records/config-record.js'
import { configOptions } from '../config-options.js'
import { parseRecordUri, write } from '../repo.js'
import { nextTid } from '../../records/tid.js'
import { resolveDids } from './resolve-dids.js'

export const communityCreate: Command = {
  path: ['community', 'create'],
  summary: 'create a community (a config record in your repo)',
  usage: 'atrarium community create --name <name> [--description <text>] [--stage theme|community|graduated] [--parent <config at-uri>] [--feed-mix own,parent,global] [--membership open|approval] [--allow-adult true|false] [--moderator <did|handle>]...',
  help: `  --name <name>            display name, 1–100 graphemes (required)
  --description <text>     at most 500 graphemes
  --stage <stage>          theme (default), community or graduated
  --parent <at-uri>        the parent community's config AT-URI
  --feed-mix <o,p,g>       integer shares of own, parent and global posts summing to 100 (default 100,0,0)
  --membership <policy>    open (default): anyone who joins is a member; approval: joiners wait
                           until you or a moderator run \`atrarium approve\` (SPEC §9)
  --allow-adult <bool>     true: take posts self-labelled porn, sexual, nudity or graphic-media;
                           false (default): leave them out (SPEC §11)
  --moderator <did>        a moderator; repeat for more`,
  options: {
    name: { type: 'string' },
    description: { type: 'string' },
    stage: { type: 'string' },
    parent: { type: 'string' },
    'feed-mix': { type: 'string' },
    membership: { type: 'string' },
    'allow-adult': { type: 'string' },
    moderator: { type: 'string', multiple: true },
  },
  args: [0, 0],
  async run({ values, ctx }) {
    const name = str(values, 'name')
    if (name === undefined) return err('--name is required')
    const settings = configOptions(values)
    if (!settings.ok) return settings
    const parent = str(values, 'parent')
    if (parent !== undefined && !isConfigUri(parent)) return err(`--parent must be a config AT-URI at://<did>/${NSID.config}/<rkey>, got ${parent}`)

    const session = await ctx.signIn()
    if (!session.ok) return session
    const moderators = await resolveDids(ctx, list(values, 'moderator'))
    if (!moderators.ok) return moderators
    const description = str(values, 'description')
    const built = buildConfigRecord({
      ownerDid: session.value.did,
      rkey: nextTid(),
      name,
      ...(description !== undefined ? { description } : {}),
      ...settings.value,
      ...(parent !== undefined ? { parentCommunity: parent } : {}),
      moderators: moderators.value,
      createdAt: new Date().toISOString(),
    })
    if (!built.ok) return built
    const { uri, id, hashtag, record } = built.value
    const { rkey } = parseRecordUri(uri)
    const res = await write('writing the config', () =>
      session.value.agent.com.atproto.repo.putRecord({ repo: session.value.did, collection: NSID.config, rkey, record }),
    )
    if (!res.ok) return res
    return ok({
      text: `created community ${name}\n  uri:     ${uri}\n  id:      ${id}\n  hashtag: ${hashtag}`,
      json: { uri, cid: res.value.data.cid, id, hashtag, record },
    })
  },
}
