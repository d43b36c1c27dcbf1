/**
 * `npm run bench -- --peer`: our getFeedSkeleton side by side with Bluesky's feed-generator starter
 * kit, both over HTTP on 127.0.0.1 at 50 connections, on the same posts (the dataset's big
 * community, loaded into the kit's table with the same URIs and times). The kit runs in its own
 * process (our model, or the kit itself with `--peer-dir`); ours is served in this process as
 * bench/http.ts serves it, with the page cache on and off, a new server for every run. Runs take
 * turns (kit, ours cached, ours uncached, per row, for each round), so drift on a shared machine
 * falls on all three alike.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FakePlc } from '../../test/support/fake-plc.js'
import type { Dataset } from '../dataset.js'
import { ourFeeds, serveOurs } from '../http.js'
import { log, type Figure } from '../lib.js'
import { loadTool, type LoadRequest, type LoadResult } from '../load-tool.js'
import { bearer, registerViewers, SERVICE_DID, tokenPool } from '../viewer-tokens.js'
import { cursorsAt, kitCursorsAt, spreadPositions, walkCursors, type Page } from './cursors.js'
import { writeKitDb } from './kit-db.js'
import { startKit, type KitProcess } from './kit-process.js'
import { peerFigures, peerTable, SERVERS, type PeerResults, type PeerRow, type ServerKey } from './peer-report.js'

export interface PeerOptions {
  /** Seconds per run (each table cell is `rounds` runs). */
  seconds: number
  rounds: number
  /** Distinct service JWTs for the rows that send a new one per request. */
  tokens: number
  /** A checkout of the kit to run instead of the model. */
  peerDir?: string
}

const KIT_FEED = 'at://did:plc:benchpublisher/app.bsky.feed.generator/whats-alf'
/** Load and page shape: connections and page size as bench/http.ts; the deep page and the cursors. */
const SHAPE = { connections: 50, limit: 50, deep: 10_000, distinct: 1000 }
// The lexicon's maximum: the fewest pages to walk our feed for cursors.
const WALK_LIMIT = 100
// Within our verifier's burst of DID lookups (40), so a new server resolves them all at once.
const VIEWERS = 20

const AUTHS = [['', '', 'none'], ['_jwt_each', ', a new JWT each request', 'each'], ['_jwt_reused', ', one JWT reused', 'reused']] as const
/** The table's rows, page by page; a short feed (small BENCH_BIG_POSTS) has a shallower deep page and fewer cursors. */
const rowsFor = (deepAt: number, cursors: number): PeerRow[] =>
  ([['first_page', 'first page', 'first'], ['deep_page', `page ${deepAt.toLocaleString('en')} posts deep`, 'deep'], ['cursors', `${cursors.toLocaleString('en')} cursors through the feed`, 'cursors']] as const)
    .flatMap(([pk, pl, page]) => AUTHS.map(([ak, al, auth]) => ({ key: pk + ak, label: pl + al, page, auth })))

type Paths = Record<PeerRow['page'], string[]>

const skeletonPath = (feed: string, limit: number, cursor?: string) =>
  `/xrpc/app.bsky.feed.getFeedSkeleton?feed=${encodeURIComponent(feed)}&limit=${limit}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`

async function getPage(origin: string, path: string, authorization?: string): Promise<Page & { feed: { post: string }[] }> {
  const res = await fetch(origin + path, authorization ? { headers: { authorization } } : {})
  if (res.status !== 200) throw new Error(`${origin}${path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`)
  return (await res.json()) as Page & { feed: { post: string }[] }
}

const samePosts = (a: { feed: { post: string }[] }, b: { feed: { post: string }[] }) => a.feed.map((i) => i.post).join() === b.feed.map((i) => i.post).join()

/**
 * Each server's paths: our cursors from paging our feed, the kit's from its rows' times at the same
 * positions; then checked: our server hands out the walked cursor, paging the kit reaches the
 * computed one, and both servers show the same posts on the first and the deep page.
 */
async function plan(ds: Dataset, kitTimes: readonly string[], kit: KitProcess): Promise<{ rows: PeerRow[]; paths: Record<'kit' | 'ours', Paths> }> {
  const feeds = ourFeeds(ds, false)
  const walked = await walkCursors((cursor) => {
    const r = feeds.getFeedSkeleton({ feed: ds.big.feed, limit: WALK_LIMIT, ...(cursor === undefined ? {} : { cursor }) })
    if (!r.ok) throw new Error(r.error.message)
    return r.value
  }, WALK_LIMIT, Math.ceil(ds.big.posts / WALK_LIMIT) + 1)
  const visible = walked.at(-1)?.position ?? 0
  const deepAt = visible > 2 * SHAPE.deep ? SHAPE.deep : WALK_LIMIT * Math.max(1, Math.floor(visible / 2 / WALK_LIMIT))
  const spread = spreadPositions(visible, SHAPE.distinct, WALK_LIMIT)
  log(`peer: our feed shows ${visible} posts (retention); deep page after ${deepAt}; ${spread.length} cursors every ${spread[0]} posts`)
  const [oursDeep] = cursorsAt(walked, [deepAt])
  const [kitDeep] = kitCursorsAt(kitTimes, [deepAt])
  const paths = {
    ours: { first: [skeletonPath(ds.big.feed, SHAPE.limit)], deep: [skeletonPath(ds.big.feed, SHAPE.limit, oursDeep)], cursors: cursorsAt(walked, spread).map((c) => skeletonPath(ds.big.feed, SHAPE.limit, c)) },
    kit: { first: [skeletonPath(KIT_FEED, SHAPE.limit)], deep: [skeletonPath(KIT_FEED, SHAPE.limit, kitDeep)], cursors: kitCursorsAt(kitTimes, spread).map((c) => skeletonPath(KIT_FEED, SHAPE.limit, c)) },
  }
  const kitWalk = await walkCursors((c) => getPage(kit.origin, skeletonPath(KIT_FEED, WALK_LIMIT, c)), WALK_LIMIT, deepAt / WALK_LIMIT)
  if (kitWalk.at(-1)?.cursor !== kitDeep) throw new Error(`paging the kit gave cursor ${kitWalk.at(-1)?.cursor} after ${deepAt} posts, not ${kitDeep}`)
  const served = await serveOurs(feeds)
  try {
    if ((await getPage(served.origin, skeletonPath(ds.big.feed, WALK_LIMIT))).cursor !== walked[0]?.cursor) throw new Error('our server\'s first cursor is not the walked one')
    for (const page of ['first', 'deep'] as const) {
      if (!samePosts(await getPage(served.origin, paths.ours[page][0]!), await getPage(kit.origin, paths.kit[page][0]!))) throw new Error(`the two servers show different posts on the ${page} page`)
    }
  } finally {
    await served.close()
  }
  return { rows: rowsFor(deepAt, spread.length), paths }
}

function requestsFor(paths: readonly string[], row: PeerRow, pool: readonly string[], reused: string, offset: number): LoadRequest[] {
  if (row.auth === 'none') return paths.map((path) => ({ path }))
  if (row.auth === 'reused') return paths.map((path) => ({ path, authorization: reused }))
  // Starts where this server's previous run left the pool, so runs do not replay each other's tokens.
  return Array.from({ length: Math.max(pool.length, paths.length) }, (_, i) => ({ path: paths[i % paths.length]!, authorization: pool[(offset + i) % pool.length]! }))
}

const ownCpuUs = () => {
  const u = process.cpuUsage()
  return u.user + u.system
}

export async function benchPeer(ds: Dataset, o: PeerOptions): Promise<{ figures: Figure[]; table: string }> {
  const tool = loadTool()
  const dir = mkdtempSync(join(tmpdir(), 'atrarium-peer-'))
  const plc = await FakePlc.start()
  let kit: KitProcess | undefined
  try {
    const t = performance.now()
    const kitTimes = await writeKitDb(join(dir, 'kit.sqlite'), ds.big.rows())
    log(`peer: kit database, ${kitTimes.length} posts, in ${((performance.now() - t) / 1000).toFixed(1)} s`)
    const viewers = await registerViewers(plc, VIEWERS)
    const prime = await Promise.all(viewers.map(bearer))
    const reused = await bearer(viewers[0]!)
    const pool = await tokenPool(viewers, o.tokens)
    kit = await startKit({ ...(o.peerDir ? { dir: o.peerDir } : {}), sqliteFile: join(dir, 'kit.sqlite'), publisherDid: 'did:plc:benchpublisher', serviceDid: SERVICE_DID, plcUrl: plc.url, logFile: join(dir, 'kit.log') })
    const k = kit
    log(`peer: ${k.what} at ${k.origin}`)
    const { rows, paths } = await plan(ds, kitTimes, k)

    // One run on one server: ours is served anew each time (a fresh verifier and page cache).
    const run = async (server: ServerKey, requests: LoadRequest[], signedIn: boolean, seconds: number): Promise<LoadResult> => {
      const measure = async (origin: string, cpuUs: () => number) => {
        // Every viewer's DID document resolved before the clock starts: steady state, not first contact.
        if (signedIn) await Promise.all(prime.map((a) => getPage(origin, requests[0]!.path, a)))
        let c0 = 0
        const r = await tool.run(origin, requests, SHAPE.connections, seconds, () => (c0 = cpuUs()))
        r.cpuUsPerReq = (cpuUs() - c0) / r.requests
        return r
      }
      if (server === 'kit') return measure(k.origin, k.cpuUs)
      const served = await serveOurs(ourFeeds(ds, server === 'ours_cached'), plc.url)
      try {
        return await measure(served.origin, ownCpuUs)
      } finally {
        await served.close()
      }
    }

    for (const server of SERVERS) await run(server, [{ path: paths[server === 'kit' ? 'kit' : 'ours'].first[0]! }], false, Math.min(2, o.seconds))
    const results: PeerResults = new Map(rows.map((r) => [r.key, { kit: [], ours_cached: [], ours_uncached: [] }]))
    const used: Record<ServerKey, number> = { kit: 0, ours_cached: 0, ours_uncached: 0 }
    let mostEach = 0
    for (let round = 1; round <= o.rounds; round++) {
      for (const row of rows) {
        for (const server of SERVERS) {
          const requests = requestsFor(paths[server === 'kit' ? 'kit' : 'ours'][row.page], row, pool, reused, used[server])
          const r = await run(server, requests, row.auth !== 'none', o.seconds)
          if (row.auth === 'each') {
            used[server] += r.requests
            mostEach = Math.max(mostEach, r.requests)
          }
          results.get(row.key)![server].push(r)
          log(`peer round ${round}, ${row.label}, ${server}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99.toFixed(1)} ms, CPU ${r.cpuUsPerReq!.toFixed(0)} µs/req${r.errors ? `, ${r.errors} errors` : ''}`)
        }
      }
    }
    const meta = {
      kit: k.what, how: tool.describe(SHAPE.connections), seconds: o.seconds, rounds: o.rounds, kitVerifies: !o.peerDir,
      tokens: `${pool.length.toLocaleString('en')} distinct secp256k1 JWTs of ${VIEWERS} viewers, the busiest new-JWT run sent ${mostEach.toLocaleString('en')} requests (${mostEach <= pool.length ? 'no token repeated within a run' : 'tokens repeated within a run'})`,
    }
    return { figures: peerFigures(rows, results, meta), table: peerTable(rows, results, meta) }
  } finally {
    await kit?.stop()
    await plc.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
