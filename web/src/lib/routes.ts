import { NSID } from '../../../src/core/nsid.js'

/** The canonical page of a community: its config AT-URI, as a path. */
export function communityPath(configUri: string, suffix = ''): string {
  const [did = '', , rkey = ''] = configUri.slice('at://'.length).split('/')
  return `/community/${did}/${encodeURIComponent(rkey)}${suffix}`
}

export const configUriFrom = (did: string, rkey: string): string => `at://${decodeURIComponent(did)}/${NSID.config}/${decodeURIComponent(rkey)}`

/** The short, shareable page: owner and id, as the feed URI names them. */
export const shortCommunityPath = (owner: string, id: string): string => `/c/${owner}/${id}`

export const feedUriOf = (owner: string, id: string): string => `at://${owner}/${NSID.feedGenerator}/${id}`
