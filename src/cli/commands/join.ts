import { NSID } from '../../core/nsid.js'
import { ok } from '../../core/result.js'
import type { Command } from '../command.js'
import { loadCommunity } from '../community-ref.js'
import { buildMembershipRecord, claimedRole } from '../../records/membership-record.js'
import { listAllRecords, parseRecordUri, write } from '../repo.js'
import { nextTid } from '../../records/tid.js'

export const join: Command = {
  path: ['join'],
  summary: 'join a community (a membership record in your repo)',
  usage: 'atrarium join <community>',
  help: `  <community>              config AT-URI, or the 8-hex id of a community you own
  An active membership is left alone; an inactive one is re-activated in place; otherwise a new
  record is created. The role written mirrors the config and grants nothing (SPEC §3).`,
  options: {},
  args: [1, 1],
  async run({ positionals, ctx }) {
    const session = await ctx.signIn()
    if (!session.ok) return session
    const { agent, did } = session.value
    const community = await loadCommunity(ctx, positionals[0]!)
    if (!community.ok) return community
    const { uri, owner, config } = community.value
    const mine = await listAllRecords(agent, did, NSID.membership)
    if (!mine.ok) return mine
    const existing = mine.value.filter((r) => r.value.community === uri)
    const active = existing.find((r) => r.value.active === true)
    if (active) return ok({ text: `already a member of ${uri}`, json: { community: uri, membership: active.uri, changed: false } })

    const record = buildMembershipRecord(uri, claimedRole(did, owner, config), new Date().toISOString())
    if (!record.ok) return record
    const inactive = existing[0]
    const rkey = inactive ? parseRecordUri(inactive.uri).rkey : nextTid()
    const res = await write('writing the membership', () =>
      agent.com.atproto.repo.putRecord({ repo: did, collection: NSID.membership, rkey, record: record.value, ...(inactive ? { swapRecord: inactive.cid } : {}) }),
    )
    if (!res.ok) return res
    const verb = inactive ? 're-activated your membership in' : 'joined'
    return ok({ text: `${verb} ${config.name} (${uri})`, json: { community: uri, membership: res.value.data.uri, changed: true } })
  },
}
