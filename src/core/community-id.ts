import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { NSID } from './nsid.js'

/** A community id: 8 lowercase hex characters (SPEC §1). */
export const COMMUNITY_ID_RE = /^[0-9a-f]{8}$/
export const HASHTAG_PREFIX = 'atrarium_'

/**
 * The id is derived from the config's AT-URI, so a post's hashtag and a membership's
 * `community` URI route to the same shard without a global directory (SPEC §1).
 */
export function communityIdOf(configUri: string): string {
  return bytesToHex(sha256(utf8ToBytes(configUri))).slice(0, 8)
}

export const hashtagOf = (id: string): string => `#${HASHTAG_PREFIX}${id}`

export const configUriOf = (ownerDid: string, rkey: string): string =>
  `at://${ownerDid}/${NSID.config}/${rkey}`

export const isCommunityId = (s: string): boolean => COMMUNITY_ID_RE.test(s)
