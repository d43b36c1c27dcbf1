/**
 * The soak test (issue #15): the real `npm start` follows a generated stream served on 127.0.0.1
 * (Jetstream JSON, or a relay's subscribeRepos DAG-CBOR frames) for a while, at a steady rate with
 * bursts, and is SIGKILLed K times at seeded random moments and started again each time; the stream
 * server keeps running and replays from whatever cursor the new process asks for. After each kill
 * the SQLite file, as the dead process left it, must hold every row its saved cursor covers; at the
 * end the index must equal `SoakModel`'s, and every feed over HTTP the model's feed.
 *
 * `bench/soak-cli.ts` is `npm run soak`; `test/e2e/soak.test.ts` runs this same function for a minute.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { RecordEvent } from '../src/core/events.js'
import { postUri as uriOfKey } from '../src/store/post-key.js'
import { commitFrame } from '../test/support/commit-frames.js'
import { toJetstream } from '../test/support/events.js'
import { FakeJetstream } from '../test/support/fake-jetstream.js'
import { FakeRelay } from '../test/support/fake-relay.js'
import { freePort, NodeHost } from '../test/support/node-process.js'
import { readFeed } from '../test/support/scenario.js'
import { SoakModel, type IndexRows, type KillCheck } from '../test/support/soak-model.js'
import { createSoakStream } from '../test/support/soak-stream.js'
import { seededRandom } from '../test/support/stream-generator.js'

export type SoakMode = 'jetstream' | 'firehose'

export interface SoakOptions {
  minutes: number
  kills: number
  mode: SoakMode
  /** Events per second between bursts. */
  rate: number
  seed: number
  /** The run fails if the host's RSS ever exceeds this. */
  maxRssMiB: number
  /** Bursts: `burstFactor` × rate for one second, every 10–30 s. */
  burstFactor: number
  /** Progress lines (a kill, a restart); none by default. */
  log?: (line: string) => void
  /** Set when the caller is interrupted (Ctrl-C): the run stops early, cleans up and fails. */
  signal?: AbortSignal
}

export const SOAK_DEFAULTS: Omit<SoakOptions, 'minutes' | 'kills'> = { mode: 'jetstream', rate: 200, seed: 1, maxRssMiB: 512, burstFactor: 10 }

export interface KillRecord extends Omit<KillCheck, 'lost' | 'stale'> {
  atS: number
  /** The cursor saved in the SQLite file of the dead process. */
  cursor: number | undefined
  /** Stream position of the last event sent before the kill. */
  head: number
  lost: number
  stale: number
  /** Restart to listening, and to having indexed `head` again (undefined: killed first). */
  listeningMs?: number
  catchUpMs?: number
}

export interface SoakResult {
  ok: boolean
  failures: string[]
  mode: SoakMode
  seed: number
  events: number
  communityEvents: number
  eventsPerSecond: number
  kills: KillRecord[]
  restarts: number
  lost: number
  stale: number
  extra: number
  duplicated: number
  feeds: { community: string; expected: number; served: number; equal: boolean }[]
  peakRssMiB: number
  durationS: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const TICK_MS = 20
// A tick never sends more than this, however late the timer fires: the loop stays bounded.
const MAX_PER_TICK = 5000
const FINAL_CATCH_UP_MS = 300_000
// Jetstream: the restarted host asks for its cursor minus 5 s, and a process killed before it caught
// up again saves a lower one; the server keeps this much before the lowest recent cursor.
const KEEP_BEFORE_CURSOR_US = 120_000_000

/** The rows of the index file, as the process left it (the same shape `SoakModel` speaks). */
export function readIndexRows(file: string, mode: SoakMode): { cursor: number | undefined; rows: IndexRows; duplicated: number } {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    const cursor = (
      db.prepare(`SELECT cursor FROM cursors WHERE source ${mode === 'jetstream' ? "= 'jetstream'" : "LIKE 'firehose:%'"}`).get() as { cursor: number } | undefined
    )?.cursor
    const posts = db.prepare('SELECT p.post_key AS k, c.uri AS c FROM posts p JOIN community_keys c ON c.key = p.community').all() as { k: string; c: string }[]
    const uris = (table: string) => new Set((db.prepare(`SELECT uri FROM ${table}`).all() as { uri: string }[]).map((r) => r.uri))
    const postRows = new Set(posts.map((r) => `${uriOfKey(r.k)} ${r.c}`))
    return {
      cursor,
      rows: { configs: uris('configs'), memberships: uris('memberships'), actions: uris('actions'), posts: postRows },
      // The key forbids it; counted anyway, since a schema change could allow it.
      duplicated: posts.length - postRows.size,
    }
  } finally {
    db.close()
  }
}

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const log = opts.log ?? (() => {})
  const started = performance.now()
  const durationMs = opts.minutes * 60_000
  const failures: string[] = []
  const dir = mkdtempSync(join(tmpdir(), 'atrarium-soak-'))
  const file = join(dir, 'atrarium.sqlite')
  const jetstream = opts.mode === 'jetstream' ? await FakeJetstream.start() : undefined
  const relay = opts.mode === 'firehose' ? await FakeRelay.start() : undefined
  const serverLog = (jetstream?.log ?? relay?.log)!
  // Nothing may reach the network: the PLC (join backfills resolve members' PDSs) and, in firehose
  // mode, Jetstream point at a port nobody listens on.
  const closed = `127.0.0.1:${await freePort()}`
  const firstPos = opts.mode === 'jetstream' ? Date.now() * 1000 : 1_000_000
  const env: Record<string, string> = {
    ATRARIUM_DATA_DIR: dir,
    LOG_LEVEL: 'warn',
    ATRARIUM_PLC_URL: `http://${closed}`,
    // The stream starts before the host first connects: it asks for everything from here.
    ATRARIUM_START_CURSOR: String(firstPos),
    ...(jetstream
      ? { ATRARIUM_JETSTREAM_URL: jetstream.url }
      : {
          ATRARIUM_FIREHOSE_URL: relay!.url,
          ATRARIUM_JETSTREAM_URL: `ws://${closed}/subscribe`,
          // The generated commits are not signed by resolvable DIDs: this run tests crash safety, not verification.
          ATRARIUM_VERIFY_COMMITS: 'false',
        }),
  }

  const gen = createSoakStream({ seed: opts.seed })
  const model = new SoakModel()
  let lastPos = firstPos
  let lastTimeUs = 0
  let events = 0
  let communityEvents = 0
  const send = () => {
    const timeUs = Math.max(lastTimeUs + 1, Date.now() * 1000)
    lastTimeUs = timeUs
    const e: RecordEvent = gen.next(timeUs)
    const pos = opts.mode === 'jetstream' ? timeUs : lastPos + 1
    model.apply(e, pos)
    lastPos = pos
    events++
    if (e.collection.startsWith('net.atrarium.') || JSON.stringify(e).includes('atrarium_')) communityEvents++
    if (jetstream) jetstream.publish(JSON.stringify(toJetstream(e)), timeUs)
    else relay!.publish(commitFrame(pos, [e]), pos)
  }

  let host: NodeHost | undefined
  let peakRssKiB = 0
  const sampler = setInterval(() => {
    const kib = host?.rssKiB()
    if (kib !== undefined && kib > peakRssKiB) peakRssKiB = kib
  }, 250)
  const killRecords: KillRecord[] = []
  let restarts = 0
  let finalLost = 0
  let finalStale = 0
  let extra = 0
  let duplicated = 0
  let streamedMs = 0
  const feeds: SoakResult['feeds'] = []
  const result = (): SoakResult => {
    const lost = killRecords.reduce((n, k) => n + k.lost, 0) + finalLost
    const stale = killRecords.reduce((n, k) => n + k.stale, 0) + finalStale
    const peakRssMiB = Math.round((peakRssKiB / 1024) * 10) / 10
    return {
      ok: failures.length === 0, failures, mode: opts.mode, seed: opts.seed, events, communityEvents,
      eventsPerSecond: Math.round(events / Math.max(1, streamedMs / 1000)), kills: killRecords, restarts,
      lost, stale, extra, duplicated, feeds, peakRssMiB, durationS: Math.round((performance.now() - started) / 100) / 10,
    }
  }

  const start = async (head?: number) => {
    const t0 = performance.now()
    host = await NodeHost.start(env, { keepLines: 200, startTimeoutMs: 60_000 })
    const current = host
    const listeningMs = Math.round(performance.now() - t0)
    if (head === undefined) return
    restarts++
    const record = killRecords[killRecords.length - 1]!
    record.listeningMs = listeningMs
    // In the background: how long the new process takes to index again what the dead one had been sent.
    void (async () => {
      for (let i = 0; i < 6000 && host === current; i++) {
        const cursor = await current.health().then((h) => h.cursor, () => undefined)
        if (cursor !== undefined && cursor !== null && cursor >= head) return void (record.catchUpMs = Math.round(performance.now() - t0))
        await sleep(100)
      }
    })()
  }

  let aborted = false
  const onAbort = () => {
    aborted = true
    failures.push('interrupted')
  }
  opts.signal?.addEventListener('abort', onAbort)
  try {
    await start()
    const streamStart = performance.now()
    const endAt = streamStart + durationMs
    // The stream: steady, with a burst every 10–30 s; bounded by the clock and by the tick count.
    const streaming = (async () => {
      const rand = seededRandom(opts.seed ^ 0xb0b5)
      let nextBurst = streamStart + 10_000 + rand() * 20_000
      let burstUntil = 0
      let budget = 0
      let last = streamStart
      for (let i = 0; i < durationMs / TICK_MS + 1000 && !aborted; i++) {
        const now = performance.now()
        if (now >= endAt) break
        if (now >= nextBurst) {
          burstUntil = now + 1000
          nextBurst = now + 10_000 + rand() * 20_000
        }
        budget += (opts.rate * (now - last) * (now < burstUntil ? opts.burstFactor : 1)) / 1000
        last = now
        for (let n = 0; budget >= 1 && n < MAX_PER_TICK; n++, budget--) send()
        await sleep(TICK_MS)
      }
      streamedMs = performance.now() - streamStart
    })()

    // Kill moments: seeded, uniform over the middle 80% of the run.
    const killRand = seededRandom(opts.seed ^ 0x51ca)
    const moments = Array.from({ length: opts.kills }, () => (0.1 + 0.8 * killRand()) * durationMs).sort((a, b) => a - b)
    for (const [i, at] of moments.entries()) {
      while (!aborted && performance.now() < streamStart + at) await sleep(Math.min(250, streamStart + at - performance.now()))
      if (aborted) break
      const victim = host!
      if (victim.child.exitCode !== null) throw new Error(`the host exited by itself (${victim.child.exitCode})\n${victim.lines.slice(-20).join('\n')}`)
      const head = lastPos
      await victim.stop('SIGKILL')
      // Dead: the file holds exactly what it committed. Read it before anything else touches it.
      const index = readIndexRows(file, opts.mode)
      const check = index.cursor === undefined ? { lost: [], stale: [], checked: 0 } : model.checkAt(index.cursor, index.rows)
      duplicated += index.duplicated
      const record: KillRecord = {
        atS: Math.round((performance.now() - streamStart) / 100) / 10, cursor: index.cursor, head,
        checked: check.checked, lost: check.lost.length, stale: check.stale.length,
      }
      killRecords.push(record)
      for (const l of check.lost.slice(0, 5)) failures.push(`kill ${i + 1}: lost ${l} (cursor ${index.cursor})`)
      for (const s of check.stale.slice(0, 5)) failures.push(`kill ${i + 1}: still holds ${s}, deleted at or before cursor ${index.cursor}`)
      log(`kill ${i + 1}/${opts.kills} at ${record.atS} s: saved cursor ${index.cursor} (head ${head}), ${check.checked} rows checked, lost ${check.lost.length}, stale ${check.stale.length}`)
      // Bounded memory on the server: frames well before the lowest cursor of the recent kills.
      const recent = killRecords.slice(-3).map((k) => k.cursor ?? firstPos)
      serverLog.trimBefore(Math.min(...recent) - (opts.mode === 'jetstream' ? KEEP_BEFORE_CURSOR_US : 0))
      await start(head)
    }
    await streaming
    if (aborted) throw new Error('interrupted')

    // The end: everything sent must be indexed, by the host that is running now.
    const h = host!
    log(`stream ended after ${events} events; waiting for the host to index position ${lastPos}`)
    const indexedAll = async () => {
      if (aborted) throw new Error('interrupted')
      return ((await h.health()).cursor ?? 0) >= lastPos
    }
    await h.waitFor(indexedAll, FINAL_CATCH_UP_MS, `the final position ${lastPos}`)
    const final = readIndexRows(file, opts.mode)
    duplicated += final.duplicated
    const expected = model.expectedRows()
    for (const table of Object.keys(expected) as (keyof IndexRows)[]) {
      const missing = [...expected[table]].filter((k) => !final.rows[table].has(k))
      const unexpected = [...final.rows[table]].filter((k) => !expected[table].has(k))
      finalLost += missing.length
      extra += unexpected.length
      for (const k of missing.slice(0, 5)) failures.push(`at the end: ${table} lacks ${k}`)
      for (const k of unexpected.slice(0, 5)) failures.push(`at the end: ${table} holds ${k}, which the stream deleted or never named`)
    }
    for (const c of model.communities) {
      const want = model.expectedFeed(c.uri)
      const served = await readFeed((p) => h.get(p), c.id, { limit: 100, maxPages: 10_000 })
      const dup = served.length - new Set(served).size
      duplicated += dup
      const equal = want.length === served.length && want.every((u, i) => served[i] === u)
      feeds.push({ community: c.id, expected: want.length, served: served.length, equal })
      if (!equal) {
        const at = want.findIndex((u, i) => served[i] !== u)
        failures.push(`feed ${c.id}: served ${served.length} posts, expected ${want.length}; first difference at ${at}: ${served[at]} vs ${want[at]}`)
      }
      if (dup > 0) failures.push(`feed ${c.id}: ${dup} posts served twice`)
    }
    if (duplicated > 0 && !failures.some((f) => f.includes('twice'))) failures.push(`${duplicated} duplicated rows`)
    await h.stop('SIGTERM')
  } catch (e) {
    failures.push(e instanceof Error ? e.message : String(e))
  } finally {
    opts.signal?.removeEventListener('abort', onAbort)
    aborted = true
    clearInterval(sampler)
    await host?.stop('SIGKILL')
    host = undefined
    const tooOld = serverLog.tooOld
    if (tooOld.length > 0) failures.push(`the host asked for cursors older than the server kept: ${tooOld.join(', ')}`)
    await jetstream?.close()
    await relay?.close()
    rmSync(dir, { recursive: true, force: true })
  }
  const r = result()
  if (r.peakRssMiB > opts.maxRssMiB) failures.push(`peak RSS ${r.peakRssMiB} MiB is above the bound of ${opts.maxRssMiB} MiB`)
  r.ok = failures.length === 0
  return r
}

/** The summary `npm run soak` prints. */
export function formatSoak(r: SoakResult, opts: SoakOptions): string {
  const ms = (v: number[]) => (v.length === 0 ? 'n/a' : `median ${v.sort((a, b) => a - b)[Math.floor(v.length / 2)]} ms, max ${v[v.length - 1]} ms`)
  const caught = r.kills.flatMap((k) => (k.catchUpMs === undefined ? [] : [k.catchUpMs]))
  const lines = [
    `soak: ${r.mode} mode, seed ${r.seed}, ${opts.minutes} min, rate ${opts.rate}/s with ${opts.burstFactor}× bursts${r.mode === 'firehose' ? ' (ATRARIUM_VERIFY_COMMITS=false: crash safety, not verification)' : ''}`,
    `events sent          ${r.events} (${r.communityEvents} naming Atrarium), ${r.eventsPerSecond}/s on average`,
    `kills / restarts     ${r.kills.length} / ${r.restarts}`,
    ...r.kills.map((k, i) => `  kill ${String(i + 1).padStart(2)} at ${String(k.atS).padStart(6)} s  saved cursor ${k.cursor ?? 'none'}  head ${k.head}  rows checked ${k.checked}  lost ${k.lost}  stale ${k.stale}  listening ${k.listeningMs ?? '-'} ms  caught up ${k.catchUpMs ?? '-'} ms`),
    `restart to listening ${ms(r.kills.flatMap((k) => (k.listeningMs === undefined ? [] : [k.listeningMs])))}`,
    `restart to caught up ${ms(caught)} (${r.kills.length - caught.length} killed again first)`,
    `lost                 ${r.lost}`,
    `stale (deleted, kept) ${r.stale}`,
    `extra rows           ${r.extra}`,
    `duplicated           ${r.duplicated}`,
    `feeds equal          ${r.feeds.filter((f) => f.equal).length}/${r.feeds.length} (${r.feeds.map((f) => `${f.community}: ${f.served}/${f.expected}`).join(', ')})`,
    `peak RSS             ${r.peakRssMiB} MiB (bound ${opts.maxRssMiB} MiB)`,
    `duration             ${r.durationS} s`,
    r.ok ? 'PASS' : `FAIL\n${r.failures.map((f) => `  - ${f}`).join('\n')}`,
  ]
  return lines.join('\n')
}
