import { AtpAgent } from '@atproto/api'
import { NSID } from '../../core/nsid.js'
import { err, ok, type Result } from '../../core/result.js'
import { errorMessage } from '../xrpc-error.js'
import type { RepoRef } from './backfill-state.js'

/** The record collections a backfill reads. Posts come from a stream replay instead. */
export const BACKFILL_COLLECTIONS = [NSID.config, NSID.membership, NSID.action] as const

export interface RepoPage {
  repos: RepoRef[]
  cursor?: string
}

/** Where repos are found: each listing is paged with its own cursor. */
export interface RepoSource {
  /** Names the source in the progress tables. */
  key: string
  listings: readonly string[]
  page(listing: string, cursor: string | undefined): Promise<Result<RepoPage>>
}

const PAGE = 1000

/** Every repo a PDS hosts (com.atproto.sync.listRepos); inactive repos cannot be read and are skipped. */
export function pdsSource(url: string): RepoSource {
  const agent = new AtpAgent({ service: url })
  return {
    key: `pds ${url}`,
    listings: ['*'],
    async page(_listing, cursor) {
      try {
        const res = await agent.com.atproto.sync.listRepos({ limit: PAGE, ...(cursor ? { cursor } : {}) })
        const repos = res.data.repos.filter((r) => r.active !== false).map((r) => ({ did: r.did, pds: url }))
        return ok({ repos, ...(res.data.cursor && res.data.repos.length > 0 ? { cursor: res.data.cursor } : {}) })
      } catch (e) {
        return err(`listRepos at ${url} failed: ${errorMessage(e)}`)
      }
    },
  }
}

/** Repos holding any net.atrarium.* record, per a relay (com.atproto.sync.listReposByCollection). */
export function relaySource(url: string): RepoSource {
  const agent = new AtpAgent({ service: url })
  return {
    key: `relay ${url}`,
    listings: BACKFILL_COLLECTIONS,
    async page(collection, cursor) {
      try {
        const res = await agent.com.atproto.sync.listReposByCollection({ collection, limit: PAGE, ...(cursor ? { cursor } : {}) })
        const repos = res.data.repos.map((r) => ({ did: r.did }))
        return ok({ repos, ...(res.data.cursor && res.data.repos.length > 0 ? { cursor: res.data.cursor } : {}) })
      } catch (e) {
        return err(`listReposByCollection ${collection} at ${url} failed: ${errorMessage(e)}`)
      }
    },
  }
}
