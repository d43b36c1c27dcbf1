// Loaded on demand: the shared validators bring the lexicon library.
import { NSID } from '../../../src/core/nsid.js'
import type { CommunityConfig } from '../../../src/core/records.js'
import { buildMembershipRecord, claimedRole } from '../../../src/records/membership-record.js'
import { nextTid } from '../../../src/records/tid.js'
import { pds, rkeyOf, type Account } from './pds.js'

export async function join(acct: Account, community: string, owner: string, config: CommunityConfig): Promise<string> {
  const record = buildMembershipRecord(community, claimedRole(acct.did, owner, config), new Date().toISOString())
  if (!record.ok) throw new Error(record.error)
  return (await pds.createRecord(acct, NSID.membership, record.value, nextTid())).uri
}


/** Deletes every record that names the community, as the CLI does, so no stale one keeps you in. */
export async function leave(acct: Account, records: string[]): Promise<void> {
  for (const uri of records) await pds.deleteRecord(acct, NSID.membership, rkeyOf(uri))
}
