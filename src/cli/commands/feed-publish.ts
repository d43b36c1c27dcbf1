import { isValidDid } from '@atproto/syntax'
import { NSID } from '../../core/nsid.js'
import { err, ok } from '../../core/result.js'
import { str } from '../args.js'
import type { Command } from '../command.js'
import { loadCommunity, ownConfigsWithId, resolveCommunityRef } from '../community-ref.js'
import { buildFeedGeneratorRecord } from '../../records/feed-generator-record.js'
import { write } from '../repo.js'
import { communityIdOf } from '../../core/community-id.js'

export const feedPublish: Command = {
  path: ['feed', 'publish'],
  summary: 'publish a Bluesky feed for a community (app.bsky.feed.generator, record key = community id)',
  usage: 'atrarium feed publish <community> --service-did <did> [--display-name <name>] [--description <text>]',
  help: `  <community>              config AT-URI, or the 8-hex id of a community you own
  --service-did <did>      the feed generator service's DID, e.g. did:web:feeds.example.com (required)
  --display-name <name>    default: the community name (at most 24 graphemes; longer is shortened)
  --description <text>     default: the community description`,
  options: { 'service-did': { type: 'string' }, 'display-name': { type: 'string' }, description: { type: 'string' } },
  args: [1, 1],
  async run({ values, positionals, ctx }) {
    const serviceDid = str(values, 'service-did')
    if (serviceDid === undefined) return err('--service-did is required')
    if (!isValidDid(serviceDid)) return err(`--service-did must be a DID, got ${serviceDid}`)
    const session = await ctx.signIn()
    if (!session.ok) return session
    const community = await loadCommunity(ctx, positionals[0]!)
    if (!community.ok) return community
    const { id, uri, owner, config } = community.value
    // A feed URI names its community by id; the service picks the publisher's own community with
    // that id first (SPEC §1). Two of the owner's own with one id would leave it ambiguous.
    let note = ''
    if (owner === session.value.did) {
      const same = await ownConfigsWithId(ctx, id)
      if (!same.ok) return same
      if (same.value.length > 1) return err(`refusing to publish: your configs ${same.value.join(', ')} share the id ${id}, so a feed URI could not tell them apart`)
    } else {
      note = `\n  note: you do not own this community; should another community ever share its id ${id}, this feed would answer UnknownFeed until the owner publishes their own`
    }
    const description = str(values, 'description') ?? config.description
    const record = buildFeedGeneratorRecord({
      serviceDid,
      displayName: str(values, 'display-name') ?? config.name,
      ...(description !== undefined ? { description } : {}),
      createdAt: new Date().toISOString(),
    })
    if (!record.ok) return record
    const { agent, did } = session.value
    const res = await write('writing the feed record', () =>
      agent.com.atproto.repo.putRecord({ repo: did, collection: NSID.feedGenerator, rkey: id, record: record.value }),
    )
    if (!res.ok) return res
    return ok({ text: `published feed ${res.value.data.uri}\n  community: ${uri}${note}`, json: { feed: res.value.data.uri, community: uri, id, owner, record: record.value } })
  },
}

export const feedUnpublish: Command = {
  path: ['feed', 'unpublish'],
  summary: 'delete the feed record of a community from your repo',
  usage: 'atrarium feed unpublish <community>',
  help: `  <community>              config AT-URI, or the 8-hex id of a community you own`,
  options: {},
  args: [1, 1],
  async run({ positionals, ctx }) {
    const session = await ctx.signIn()
    if (!session.ok) return session
    const uri = await resolveCommunityRef(ctx, positionals[0]!)
    if (!uri.ok) return uri
    const id = communityIdOf(uri.value)
    const { agent, did } = session.value
    const res = await write('deleting the feed record', () => agent.com.atproto.repo.deleteRecord({ repo: did, collection: NSID.feedGenerator, rkey: id }))
    if (!res.ok) return res
    const feed = `at://${did}/${NSID.feedGenerator}/${id}`
    return ok({ text: `unpublished ${feed}`, json: { feed, community: uri.value, id } })
  },
}
