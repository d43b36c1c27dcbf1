/**
 * `npm run bench`: every benchmark of issue 6 against the production modules; prints a table and
 * writes bench/results/latest.json. Options:
 *   --only a,b          run only these (stage1, ingest, verify, freshness, backfill, skeleton, http, footprint, peer, retention)
 *   --peer              add the side-by-side run against the feed-generator starter kit (bench/peer/), a few
 *                       minutes more; its own table is printed after the main one
 *   --peer-dir DIR      the same against the starter kit itself, run from a checkout in DIR with its
 *                       dependencies installed, instead of our model of it (implies --peer)
 *   --save-stream FILE  write generated Jetstream frames (JSONL) to FILE and exit; --frames N (default 100000)
 * Env: BENCH_SMALL_POSTS (posts per small community, default 1000; the 10000 takes ~10 min
 * to build on 2 cores), BENCH_BIG_POSTS (default 1000000); for --peer, BENCH_PEER_SECONDS (per run,
 * default 2; three rounds), BENCH_PEER_TOKENS (distinct JWTs, default 20000).
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs'
import { createStream } from '../test/support/stream-generator.js'
import { benchBackfill } from './backfill.js'
import { buildDataset, type Dataset } from './dataset.js'
import { benchFootprint } from './footprint.js'
import { benchFreshness } from './freshness.js'
import { benchHttp } from './http.js'
import { benchIngest } from './ingest.js'
import { checkPeerDir } from './peer/kit-process.js'
import { benchPeer } from './peer/peer.js'
import { judged, log, machine, ratio, type Figure } from './lib.js'
import { benchRetention } from './retention.js'
import { benchSkeleton } from './skeleton.js'
import { benchStage1 } from './stage1.js'
import { benchVerifiedIngest } from './verified-ingest.js'

const args = process.argv.slice(2)
const arg = (name: string) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}

async function saveStream(file: string, frames: number) {
  const gen = createStream({ seed: 42 })
  const out = createWriteStream(file)
  for (const f of gen.setup()) out.write(`${f}\n`)
  for (let i = 0; i < frames; i++) if (!out.write(`${gen.next().raw}\n`)) await new Promise<void>((r) => out.once('drain', () => r()))
  await new Promise<void>((r) => out.end(r))
  log(`wrote ${frames} frames (after the setup frames) to ${file}`)
}

const fmt = (v: number | undefined, unit: string) =>
  v === undefined || Number.isNaN(v) ? '' : `${v >= 100 ? Math.round(v).toLocaleString('en') : v.toFixed(v >= 10 ? 1 : 3)} ${unit}`

async function main() {
  const save = arg('--save-stream')
  if (save) return saveStream(save, Number(arg('--frames') ?? 100_000))
  const only = arg('--only')?.split(',')
  const peerDir = args.includes('--peer-dir') ? arg('--peer-dir') : undefined
  if (args.includes('--peer-dir') && (!peerDir || peerDir.startsWith('--'))) throw new Error('--peer-dir needs a directory: a checkout of bluesky-social/feed-generator')
  if (peerDir) checkPeerDir(peerDir)
  // The side-by-side run adds minutes, so a full run leaves it out unless asked.
  const peer = args.includes('--peer') || peerDir !== undefined
  const want = (k: string) => (only ? only.includes(k) : k !== 'peer' || peer)
  const started = performance.now()
  const figures: Figure[] = []
  const ownTables: string[] = []
  const step = async (name: string, fn: () => Figure[] | Promise<Figure[]>) => {
    if (!want(name)) return
    const t = performance.now()
    log(`${name}…`)
    figures.push(...(await fn()))
    log(`${name} done in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  }
  await step('stage1', () => benchStage1())
  await step('ingest', () => benchIngest({ mixFrames: 500_000, postFrames: 30_000, runs: 3, postRuns: 5 }))
  await step('verify', () => benchVerifiedIngest({ frames: 200_000, runs: 3 }))
  await step('freshness', () => benchFreshness())
  await step('backfill', () => benchBackfill())
  let ds: Dataset | undefined
  const needsData = ['skeleton', 'http', 'footprint', 'peer', 'retention'].some(want)
  try {
    if (needsData) {
      const smallPosts = Number(process.env.BENCH_SMALL_POSTS ?? 1000)
      const bigPosts = Number(process.env.BENCH_BIG_POSTS ?? 1_000_000)
      log(`building dataset: 1,000 × ${smallPosts} + ${bigPosts} posts in ${'os.tmpdir()'}…`)
      ds = buildDataset({ smallCommunities: 1000, smallPosts, bigPosts })
      log(`dataset: ${ds.totalPosts} posts in ${ds.buildSeconds.toFixed(1)} s (${(ds.totalPosts / ds.buildSeconds).toFixed(0)} posts/s through SqlStore.putPost)`)
      figures.push({ key: 'dataset_build_posts_per_s', figure: 'dataset build via SqlStore.putPost, 20k-row transactions', unit: 'posts/s', median: ds.totalPosts / ds.buildSeconds, note: `${ds.totalPosts.toLocaleString('en')} posts` })
    }
    await step('skeleton', () => benchSkeleton(ds!))
    await step('http', () => benchHttp(ds!))
    await step('footprint', () => benchFootprint(ds!))
    // Before retention, which purges the big community's oldest day.
    await step('peer', async () => {
      const r = await benchPeer(ds!, {
        seconds: Number(process.env.BENCH_PEER_SECONDS ?? 2),
        rounds: 3,
        tokens: Number(process.env.BENCH_PEER_TOKENS ?? 20_000),
        ...(peerDir ? { peerDir } : {}),
      })
      ownTables.push(r.table)
      return r.figures
    })
    await step('retention', () => benchRetention(ds!))
  } finally {
    ds?.close()
  }

  const rows = figures.filter((f) => !f.ownTable).map((f) => {
    const r = ratio(f)
    return {
      figure: f.figure,
      value: f.p99 !== undefined ? `p50 ${fmt(f.median, f.unit)} / p99 ${fmt(f.p99, f.unit)}` : fmt(f.median, f.unit),
      target: f.target?.label ?? '',
      ratio: r === undefined ? '' : `${r.toFixed(2)} ${r >= 1 ? 'met' : 'MISSED'}`,
    }
  })
  const w = (k: keyof (typeof rows)[number]) => Math.max(k.length, ...rows.map((r) => r[k].length))
  const line = (r: Record<string, string>) => `| ${r.figure!.padEnd(w('figure'))} | ${r.value!.padEnd(w('value'))} | ${r.target!.padEnd(w('target'))} | ${r.ratio!.padEnd(w('ratio'))} |`
  console.log(line({ figure: 'figure', value: 'value', target: 'target', ratio: 'ratio' }))
  console.log(line({ figure: '-'.repeat(w('figure')), value: '-'.repeat(w('value')), target: '-'.repeat(w('target')), ratio: '-'.repeat(w('ratio')) }))
  for (const r of rows) console.log(line(r))
  for (const t of ownTables) console.log(`\n${t}`)

  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    seconds: (performance.now() - started) / 1000,
    figures: figures.map((f) => ({ ...f, ratio: ratio(f), judged: f.target ? judged(f) : undefined, met: f.target ? ratio(f)! >= 1 : undefined })),
  }
  if (!only) {
    const dir = new URL('./results/', import.meta.url)
    mkdirSync(dir, { recursive: true })
    writeFileSync(new URL('latest.json', dir), `${JSON.stringify(result, null, 2)}\n`)
    log('wrote bench/results/latest.json')
  }
  log(`total ${result.seconds.toFixed(0)} s`)
}

await main()
