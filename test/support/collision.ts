import { communityIdOf, configUriOf } from '../../src/core/community-id.js'

/**
 * Config rkeys `[a, b]` of `ownerA` and `ownerB` whose AT-URIs derive the same 32-bit community id:
 * a birthday search, so about 2^16 hashes per owner, well under a second. With one owner for both,
 * two of that owner's own configs collide.
 */
export function collidingRkeys(ownerA: string, ownerB: string, prefix = 'c'): [string, string] {
  const seen = new Map<string, [string, string]>()
  for (let i = 0; i < 2_000_000; i++) {
    const owner = i % 2 === 0 ? ownerA : ownerB
    const rkey = `${prefix}${i.toString(36)}`
    const id = communityIdOf(configUriOf(owner, rkey))
    const other = seen.get(id)
    if (other && (other[0] !== owner || ownerA === ownerB)) return other[0] === ownerA && owner === ownerB ? [other[1], rkey] : [rkey, other[1]]
    if (!other) seen.set(id, [owner, rkey])
  }
  throw new Error('no collision found')
}
