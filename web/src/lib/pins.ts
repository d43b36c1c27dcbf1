// Loaded on demand: the shared validators bring the lexicon library.
import { NSID } from '../../../src/core/nsid.js'
import { MAX_PINS } from '../../../src/core/pinned-posts.js'
import { applyConfigChanges } from '../../../src/records/config-record.js'
import { pds, rkeyOf, type Account } from './pds.js'

/**
 * Pins or unpins a post in the owner's config record, read from their own repository (the index
 * may lag behind it): a pin goes after those already there, as the feed shows them in order.
 */
export async function setPinned(acct: Account, configUri: string, postUri: string, pinned: boolean): Promise<void> {
  const rkey = rkeyOf(configUri)
  const current = await pds.getRecord(acct, NSID.config, rkey)
  if (!current) throw new Error('This community is not in your repository: only its owner can pin posts.')
  const others = ((current.pinnedPosts as string[] | undefined) ?? []).filter((u) => u !== postUri)
  if (pinned && others.length >= MAX_PINS) throw new Error(`A community pins at most ${MAX_PINS} posts: unpin one first.`)
  const next = applyConfigChanges(configUri, current, { pinnedPosts: pinned ? [...others, postUri] : others })
  if (!next.ok) throw new Error(next.error)
  await pds.putRecord(acct, NSID.config, rkey, next.value)
}
