import { ok } from '../../core/result.js'
import type { Command } from '../command.js'
import { loadCommunity } from '../community-ref.js'
import { hashtagOf } from '../../core/community-id.js'

export const communityShow: Command = {
  path: ['community', 'show'],
  summary: "show a community's config, read from its owner's PDS",
  usage: 'atrarium community show <community>',
  help: `  <community>              config AT-URI (no sign-in needed), or the 8-hex id of a community you own`,
  options: {},
  args: [1, 1],
  async run({ positionals, ctx }) {
    const c = await loadCommunity(ctx, positionals[0]!)
    if (!c.ok) return c
    const { uri, id, owner, config } = c.value
    const mix = config.feedMix
    const lines = [
      `${config.name}`,
      `  uri:         ${uri}`,
      `  id:          ${id}`,
      `  hashtag:     ${hashtagOf(id)}`,
      `  owner:       ${owner}`,
      `  stage:       ${config.stage}`,
      `  feed mix:    own ${mix.own}, parent ${mix.parent}, global ${mix.global}`,
      `  moderators:  ${config.moderators.join(', ') || '(none)'}`,
      ...(config.parentCommunity ? [`  parent:      ${config.parentCommunity}`] : []),
      ...(config.description ? [`  description: ${config.description}`] : []),
      `  created:     ${config.createdAt}`,
    ]
    return ok({ text: lines.join('\n'), json: { uri, id, hashtag: hashtagOf(id), owner, config } })
  },
}
