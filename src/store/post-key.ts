import { NSID } from '../core/nsid.js'

const PREFIX = 'at://'
const PATH = `/${NSID.post}/`

/**
 * Posts are stored under `<did>/<rkey>`: the `at://` and `/app.bsky.feed.post/` that every post
 * uri repeats would cost 24 bytes in each of the three posts b-trees. The mapping keeps order: a
 * DID holds no '/', so two uris compare as their DIDs, then their rkeys, exactly as their keys do.
 * Undefined for anything that is not a post uri, which therefore matches no stored post.
 */
export function postKey(uri: string): string | undefined {
  if (!uri.startsWith(PREFIX)) return undefined
  const slash = uri.indexOf('/', PREFIX.length)
  if (slash <= PREFIX.length || !uri.startsWith(PATH, slash)) return undefined
  const rkey = uri.slice(slash + PATH.length)
  if (rkey.length === 0 || rkey.includes('/')) return undefined
  return `${uri.slice(PREFIX.length, slash)}/${rkey}`
}

export function postUri(key: string): string {
  const slash = key.indexOf('/')
  return `${PREFIX}${key.slice(0, slash)}${PATH}${key.slice(slash + 1)}`
}

export const authorOfKey = (key: string): string => key.slice(0, key.indexOf('/'))

/**
 * The keys of every post by `did`: `<did>/` up to `<did>0`, as '0' follows '/'. A longer DID
 * that starts with this one continues with a character above '0', so it falls outside.
 */
export const authorKeyRange = (did: string): [string, string] => [`${did}/`, `${did}0`]
