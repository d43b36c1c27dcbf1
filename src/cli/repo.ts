import type { AtpAgent } from '@atproto/api'
import { err, ok, type Result } from '../core/result.js'
import { errorMessage, xrpcErrorName } from './xrpc-error.js'

export interface RepoRecord {
  uri: string
  cid: string
  value: Record<string, unknown>
}

const PAGE = 100
/** Pages of listRecords read at most; a repo with more is not a plausible user of this tool. */
const MAX_PAGES = 10_000

export function parseRecordUri(uri: string): { did: string; collection: string; rkey: string } {
  const [did = '', collection = '', rkey = ''] = uri.slice('at://'.length).split('/')
  return { did, collection, rkey }
}

/** One record, or `undefined` when the repo has no such record. */
export async function getRecord(agent: AtpAgent, uri: string): Promise<Result<RepoRecord | undefined>> {
  const { did, collection, rkey } = parseRecordUri(uri)
  try {
    const res = await agent.com.atproto.repo.getRecord({ repo: did, collection, rkey })
    return ok({ uri: res.data.uri, cid: res.data.cid ?? '', value: res.data.value as Record<string, unknown> })
  } catch (e) {
    if (xrpcErrorName(e) === 'RecordNotFound') return ok(undefined)
    return err(`cannot read ${uri}: ${errorMessage(e)}`)
  }
}

/** Every record of one collection in one repo, following cursors (bounded). */
export async function listAllRecords(agent: AtpAgent, repo: string, collection: string): Promise<Result<RepoRecord[]>> {
  const out: RepoRecord[] = []
  let cursor: string | undefined
  for (let page = 0; page < MAX_PAGES; page++) {
    try {
      const res = await agent.com.atproto.repo.listRecords({ repo, collection, limit: PAGE, ...(cursor ? { cursor } : {}) })
      for (const r of res.data.records) out.push({ uri: r.uri, cid: r.cid, value: r.value as Record<string, unknown> })
      if (!res.data.cursor || res.data.records.length === 0 || res.data.cursor === cursor) return ok(out)
      cursor = res.data.cursor
    } catch (e) {
      return err(`cannot list ${collection} of ${repo}: ${errorMessage(e)}`)
    }
  }
  return err(`${repo} has more than ${MAX_PAGES * PAGE} ${collection} records`)
}

/** Runs a write, turning the PDS's refusal into an error value. */
export async function write<T>(what: string, fn: () => Promise<T>): Promise<Result<T>> {
  try {
    return ok(await fn())
  } catch (e) {
    return err(`${what} failed: ${errorMessage(e)}`)
  }
}
