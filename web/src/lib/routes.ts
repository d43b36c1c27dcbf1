import { NSID } from '../../../src/core/nsid.js'

/** A path segment: colons stay readable (DIDs are full of them), everything else is escaped. */
const segment = (s: string): string => encodeURIComponent(s).replace(/%3A/gi, ':')

/** The canonical page of a community: its config AT-URI, as a path. */
export function communityPath(configUri: string, suffix = ''): string {
  const [did = '', , rkey = ''] = configUri.slice('at://'.length).split('/')
  return `/community/${segment(did)}/${segment(rkey)}${suffix}`
}

/** From route params, which the router has already decoded. */
export const configUriFrom = (did: string, rkey: string): string => `at://${did}/${NSID.config}/${rkey}`

/** The short, shareable page: owner and id, as the feed URI names them. */
export const shortCommunityPath = (owner: string, id: string): string => `/c/${segment(owner)}/${segment(id)}`

export const feedUriOf = (owner: string, id: string): string => `at://${owner}/${NSID.feedGenerator}/${id}`

/** A path on this site, never another origin (`//x`, `/\\x` and the like resolve elsewhere). */
export const isOwnPath = (path: string, origin = location.origin): boolean => {
  try {
    return path.startsWith('/') && new URL(path, origin).origin === origin
  } catch {
    return false
  }
}
