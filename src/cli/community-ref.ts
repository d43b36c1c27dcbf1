import { communityIdOf, isCommunityId } from '../core/community-id.js'
import { NSID } from '../core/nsid.js'
import type { CommunityConfig } from '../core/records.js'
import { isConfigUri, validateConfig } from '../core/record-validation.js'
import { err, ok, type Result } from '../core/result.js'
import type { CliContext } from './context.js'
import { getRecord, listAllRecords, parseRecordUri } from './repo.js'

/** The signed-in user's own config URIs whose id is `id`: usually one, several only by a collision. */
export async function ownConfigsWithId(ctx: CliContext, id: string): Promise<Result<string[]>> {
  const session = await ctx.signIn()
  if (!session.ok) return session
  const configs = await listAllRecords(session.value.agent, session.value.did, NSID.config)
  return configs.ok ? ok(configs.value.map((r) => r.uri).filter((uri) => communityIdOf(uri) === id)) : configs
}

/**
 * `<community>`: a config AT-URI, or the 8-hex id of one of the signed-in user's own configs (an id
 * alone cannot be resolved without a directory, except among one's own records). The URI is the
 * community's identity; an id is only a routing key that two configs may share (SPEC §1).
 */
export async function resolveCommunityRef(ctx: CliContext, ref: string): Promise<Result<string>> {
  if (isConfigUri(ref)) return ok(ref)
  if (!isCommunityId(ref)) {
    return err(`unknown community ${ref}: give a config AT-URI at://<did>/${NSID.config}/<rkey>, or the 8-hex id of a community you own`)
  }
  const mine = await ownConfigsWithId(ctx, ref)
  if (!mine.ok) return mine
  if (mine.value.length > 1) return err(`community id ${ref} names several of your configs; give one of their AT-URIs: ${mine.value.join(', ')}`)
  return mine.value[0] ? ok(mine.value[0]) : err(`unknown community ${ref}: none of your configs has that id`)
}

export interface FetchedConfig {
  uri: string
  id: string
  owner: string
  cid: string
  raw: Record<string, unknown>
  config: CommunityConfig
}

/** Reads a config from its owner's PDS; a missing or invalid one is an unknown community. */
export async function fetchConfig(ctx: CliContext, uri: string): Promise<Result<FetchedConfig>> {
  const { did } = parseRecordUri(uri)
  const reader = await ctx.readerFor(did)
  if (!reader.ok) return reader
  const rec = await getRecord(reader.value, uri)
  if (!rec.ok) return rec
  if (!rec.value) return err(`unknown community ${uri}: no such config record`)
  const valid = validateConfig(uri, rec.value.value)
  if (!valid.ok) return err(`community ${uri} has an invalid config: ${valid.error}`)
  return ok({ uri, id: communityIdOf(uri), owner: did, cid: rec.value.cid, raw: rec.value.value, config: valid.value })
}

/** Resolves the argument and reads the config: for commands that need the community to exist. */
export async function loadCommunity(ctx: CliContext, ref: string): Promise<Result<FetchedConfig>> {
  const uri = await resolveCommunityRef(ctx, ref)
  return uri.ok ? fetchConfig(ctx, uri.value) : uri
}
