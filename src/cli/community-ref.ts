import { communityIdOf, isCommunityId } from '../core/community-id.js'
import { NSID } from '../core/nsid.js'
import type { CommunityConfig } from '../core/records.js'
import { isConfigUri, validateConfig } from '../core/record-validation.js'
import { err, ok, type Result } from '../core/result.js'
import type { CliContext } from './context.js'
import { getRecord, listAllRecords, parseRecordUri } from './repo.js'

/**
 * `<community>`: a config AT-URI, or the 8-hex id of one of the signed-in user's own configs
 * (an id alone cannot be resolved without a directory, except among one's own records).
 */
export async function resolveCommunityRef(ctx: CliContext, ref: string): Promise<Result<string>> {
  if (isConfigUri(ref)) return ok(ref)
  if (!isCommunityId(ref)) {
    return err(`unknown community ${ref}: give a config AT-URI at://<did>/${NSID.config}/<rkey>, or the 8-hex id of a community you own`)
  }
  const session = await ctx.signIn()
  if (!session.ok) return session
  const configs = await listAllRecords(session.value.agent, session.value.did, NSID.config)
  if (!configs.ok) return configs
  const mine = configs.value.find((r) => communityIdOf(r.uri) === ref)
  return mine ? ok(mine.uri) : err(`unknown community ${ref}: none of your configs has that id`)
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
