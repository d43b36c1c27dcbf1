import { NSID } from '../../core/nsid.js'
import { ok } from '../../core/result.js'
import type { Command } from '../command.js'
import { resolveCommunityRef } from '../community-ref.js'
import { listAllRecords, parseRecordUri, write } from '../repo.js'

export const leave: Command = {
  path: ['leave'],
  summary: 'leave a community (deletes your membership records for it)',
  usage: 'atrarium leave <community>',
  help: `  <community>              config AT-URI, or the 8-hex id of a community you own
  Deletes every membership record of yours that names the community, so no stale or duplicate
  record keeps you in. Works even when the community's config no longer exists.`,
  options: {},
  args: [1, 1],
  async run({ positionals, ctx }) {
    const session = await ctx.signIn()
    if (!session.ok) return session
    const { agent, did } = session.value
    const uri = await resolveCommunityRef(ctx, positionals[0]!)
    if (!uri.ok) return uri
    const mine = await listAllRecords(agent, did, NSID.membership)
    if (!mine.ok) return mine
    const matching = mine.value.filter((r) => r.value.community === uri.value)
    for (const r of matching) {
      const res = await write(`deleting ${r.uri}`, () =>
        agent.com.atproto.repo.deleteRecord({ repo: did, collection: NSID.membership, rkey: parseRecordUri(r.uri).rkey }),
      )
      if (!res.ok) return res
    }
    const text = matching.length > 0 ? `left ${uri.value}` : `you were not a member of ${uri.value}`
    return ok({ text, json: { community: uri.value, deleted: matching.map((r) => r.uri), changed: matching.length > 0 } })
  },
}
