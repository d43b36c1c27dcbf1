import { COMMUNITY_ID_RE, communityIdOf } from './community-id.js'
import { isConfigUri } from './record-validation.js'
import { err, ok, type Result } from './result.js'

/** A community as a query names it: its id, and its config AT-URI when that is what was given. */
export interface CommunityRef {
  id: string
  uri?: string
}

/** `community` parameter: an 8-hex id or a config AT-URI (SPEC §1). */
export function parseCommunityRef(ref: string): Result<CommunityRef> {
  if (COMMUNITY_ID_RE.test(ref)) return ok({ id: ref })
  if (isConfigUri(ref)) return ok({ id: communityIdOf(ref), uri: ref })
  return err('community must be an 8-hex community id or a community config AT-URI')
}
