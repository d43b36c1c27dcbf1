import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toBytes } from '@atcute/cbor'
import type { RepoEvent } from '../../src/core/events.js'
import { FeedService } from '../../src/core/feed-service.js'
import { Indexer } from '../../src/core/indexer.js'
import type { Logger } from '../../src/core/logger.js'
import { NSID } from '../../src/core/nsid.js'
import { SkeletonCache } from '../../src/core/skeleton-cache.js'
import { US_PER_DAY } from '../../src/core/time.js'
import { firehoseSource } from '../../src/ingest/firehose-source.js'
import { jetstreamSource } from '../../src/ingest/jetstream-source.js'
import type { StreamControl, StreamSource } from '../../src/ingest/stream-source.js'
import { Watermark } from '../../src/ingest/watermark.js'
import { localReads } from '../../src/node/local-reads.js'
import { SqlStore } from '../../src/store/sql-store.js'
import { SqliteDriver } from '../../src/store/sqlite-driver.js'
import {
  chance,
  int,
  mutateBytes,
  mutateFirehose,
  mutateJetstream,
  mutateString,
  pick,
  prng,
  type Rand,
} from './mutate.js'
import { FUZZ_NOW_US, atrariumFrames, realSeeds } from './seeds.js'

export interface FuzzOptions {
  frames: number
  seed?: number
  /** Frames between two batch flushes (StreamIngest's batches are bounded the same way). */
  batchFrames?: number
  /** Called about every `progressEvery` frames, at a batch boundary. */
  progressEvery?: number
  onProgress?: (r: FuzzReport) => void
  /** Findings kept with their frame, for reproduction. */
  keepFindings?: number
}

/** Something that must not happen: an exception that escaped, an Indexer failure, a rejected cursor. */
export interface Finding {
  kind: 'escaped' | 'failed' | 'cursor' | 'not-a-result' | 'invariant'
  stage: string
  error: string
  /** The frame (Jetstream text, or base64 of the firehose bytes), or the request. */
  input?: string
}

export interface FuzzReport {
  seed: number
  frames: number
  jetstreamFrames: number
  firehoseFrames: number
  mutated: number
  /** Frames stage 1 let through, and control frames (firehose `#info`, errors). */
  passed: number
  controls: number
  /** Stage 2: frames with no usable decode, plus bad ops inside otherwise good commits. */
  malformed: number
  events: number
  batches: number
  /** Indexer.stats: records and posts applied, records refused by validation, events that threw. */
  applied: number
  invalid: number
  failed: number
  reads: number
  readErrors: number
  cursorsFollowed: number
  /** Every kind of finding counted; escaped must be 0 for the run to pass. */
  escaped: number
  cursorRejected: number
  notResults: number
  invariantViolations: number
  findings: Finding[]
  seconds: number
}

const isResult = (r: unknown): r is { ok: boolean; value?: unknown; error?: unknown } =>
  typeof r === 'object' &&
  r !== null &&
  typeof (r as { ok?: unknown }).ok === 'boolean' &&
  ((r as { ok: boolean }).ok ? 'value' in r : 'error' in r)

const textOf = (raw: string | Uint8Array): string =>
  typeof raw === 'string' ? raw : Buffer.from(raw).toString('base64')
const message = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))

/**
 * Runs `frames` mutated frames through the code the service runs: each source's stage 1 (with the
 * cursor watermark and the set of indexed authors, as StreamIngest keeps them), stage 2 decode,
 * Indexer.applyBatch on a real SQLite file, then the feed and read queries after every batch.
 * StreamIngest has no seam for frames without a socket, so its onFrame/process are mirrored here
 * with the sources' public methods, call for call.
 */
export function runPipelineFuzz(opts: FuzzOptions): FuzzReport {
  const seed = opts.seed ?? 1
  const batchFrames = opts.batchFrames ?? 500
  const keep = opts.keepFindings ?? 20
  const started = performance.now()
  const report: FuzzReport = {
    seed,
    frames: 0,
    jetstreamFrames: 0,
    firehoseFrames: 0,
    mutated: 0,
    passed: 0,
    controls: 0,
    malformed: 0,
    events: 0,
    batches: 0,
    applied: 0,
    invalid: 0,
    failed: 0,
    reads: 0,
    readErrors: 0,
    cursorsFollowed: 0,
    escaped: 0,
    cursorRejected: 0,
    notResults: 0,
    invariantViolations: 0,
    findings: [],
    seconds: 0,
  }
  const find = (f: Finding) => {
    if (f.kind === 'escaped') report.escaped++
    else if (f.kind === 'failed') report.failed++
    else if (f.kind === 'cursor') report.cursorRejected++
    else if (f.kind === 'not-a-result') report.notResults++
    else report.invariantViolations++
    if (report.findings.length < keep)
      report.findings.push({
        ...f,
        ...(f.input && f.input.length > 4000 ? { input: `${f.input.slice(0, 4000)}…` } : {}),
      })
  }

  // The Indexer catches an event that throws and logs it; for the fuzzer that is a finding.
  const log: Logger = {
    debug() {},
    info() {},
    warn() {},
    error(obj, msg) {
      const o = obj as { err?: unknown; uri?: string; op?: string }
      if (msg?.includes('failed'))
        find({ kind: 'failed', stage: 'indexer', error: `${message(o.err)} (${o.op} ${o.uri})` })
    },
  }

  const dir = mkdtempSync(join(tmpdir(), 'atrarium-fuzz-'))
  const driver = new SqliteDriver(join(dir, 'index.sqlite'))
  try {
    const store = new SqlStore(driver)
    // The widest retention the config allows, so the most mutated times reach the index.
    const indexer = new Indexer({ store, log, retentionUs: 3650 * US_PER_DAY, nowUs: () => FUZZ_NOW_US })
    const minSortUs = () => indexer.minSortUs()
    const feeds = new FeedService({
      store,
      serviceDid: 'did:web:fuzz.test',
      minSortUs,
      log,
      cache: new SkeletonCache({ maxEntries: 64 }),
    })
    const reads = localReads(store, minSortUs)

    const rand = prng(seed)
    const gen = atrariumFrames(prng(seed ^ 0x5eed))
    const real = realSeeds()
    if (real.jetstream.length === 0 || real.firehose.length === 0)
      throw new Error('the real seed frames (test/fixtures) are missing')

    class Lane<Raw> {
      readonly authors = new Set<string>(store.indexedAuthors())
      readonly watermark: Watermark<Raw>
      items: { raw?: Raw; cursor: number | undefined; epoch: number }[] = []
      epoch = 0
      private readonly hasIndexedAuthor = (did: string) => this.authors.has(did)

      constructor(readonly source: StreamSource<Raw>) {
        this.watermark = new Watermark((raw) => this.source.cursorOf(raw))
      }

      /** StreamIngest.onFrame. */
      frame(raw: Raw): void {
        let verdict
        try {
          verdict = this.source.stage1(raw, this.hasIndexedAuthor)
        } catch (e) {
          return find({
            kind: 'escaped',
            stage: `${this.source.name} stage 1`,
            error: message(e),
            input: textOf(raw as string | Uint8Array),
          })
        }
        if ('control' in verdict) return this.control(verdict.control)
        try {
          if (verdict.pass) {
            report.passed++
            if (verdict.postAuthor) this.authors.add(verdict.postAuthor)
            this.items.push({ raw, cursor: this.watermark.through(raw), epoch: this.epoch })
          } else this.watermark.skip(raw)
        } catch (e) {
          find({
            kind: 'escaped',
            stage: `${this.source.name} cursorOf`,
            error: message(e),
            input: textOf(raw as string | Uint8Array),
          })
        }
      }

      private control(c: StreamControl): void {
        report.controls++
        if (c.action !== 'live') return
        this.epoch++
        this.watermark.reset()
        store.setCursor(this.source.key, 0)
      }

      /** StreamIngest.process, plus a mark for the frames dropped since the last batch. */
      flush(): void {
        let mark: number | undefined
        try {
          mark = this.watermark.current()
        } catch (e) {
          find({ kind: 'escaped', stage: `${this.source.name} cursorOf`, error: message(e) })
        }
        const batch = [...this.items, { cursor: mark, epoch: this.epoch }]
        this.items = []
        const events: RepoEvent[] = []
        let cursor: number | undefined
        for (const item of batch) {
          const current = item.epoch === this.epoch
          if (current && item.cursor !== undefined && (cursor === undefined || item.cursor > cursor))
            cursor = item.cursor
          if (item.raw === undefined) continue
          try {
            const decoded = this.source.decode(item.raw)
            this.source.preview(item.raw)
            if (!isResult(decoded)) {
              find({
                kind: 'not-a-result',
                stage: `${this.source.name} decode`,
                error: String(decoded),
                input: textOf(item.raw as string | Uint8Array),
              })
              continue
            }
            if (!decoded.ok) {
              report.malformed++
              continue
            }
            const value = decoded.value as { events: RepoEvent[]; problems?: string[] }
            events.push(...value.events)
            report.malformed += value.problems?.length ?? 0
          } catch (e) {
            find({
              kind: 'escaped',
              stage: `${this.source.name} stage 2`,
              error: message(e),
              input: textOf(item.raw as string | Uint8Array),
            })
          }
        }
        try {
          indexer.applyBatch(
            events,
            cursor === undefined ? undefined : { source: this.source.key, value: cursor },
          )
          report.batches++
          report.events += events.length
        } catch (e) {
          // In the service the batch queue would retry this batch forever: the stream stalls.
          find({
            kind: 'escaped',
            stage: 'Indexer.applyBatch',
            error: message(e),
            input: JSON.stringify(events.slice(0, 3)),
          })
        }
      }
    }

    const jet = new Lane(jetstreamSource({ url: 'wss://jetstream.fuzz.test/subscribe' }))
    const fire = new Lane(firehoseSource({ url: 'wss://relay.fuzz.test' }))
    const wire = (s: string) => Buffer.from(s, 'utf8')

    // The communities exist before the mutants arrive, so mutated posts and actions reach deep code.
    for (const f of gen.setupJetstream()) jet.frame(jet.source.fromWire(wire(f)))
    for (const f of gen.setupFirehose()) fire.frame(fire.source.fromWire(Buffer.from(f)))
    jet.flush()
    fire.flush()

    const reader = new Reader(feeds, reads, store, gen.communities, prng(seed ^ 0xfeed), find, report)
    const progressEvery = opts.progressEvery ?? 100_000
    let nextProgress = progressEvery
    for (let n = 0; n < opts.frames; n++) {
      report.frames++
      const r = rand()
      // Fresh valid frames keep the index growing; mutants of them and of real frames probe it.
      if (chance(rand, 0.55)) {
        report.jetstreamFrames++
        let raw = r < 0.6 ? gen.nextJetstream() : pick(rand, real.jetstream)
        if (r >= 0.2 && r < 0.95) {
          report.mutated++
          const other = chance(rand, 0.5) ? pick(rand, real.jetstream) : gen.nextJetstream()
          for (let k = 1 + int(rand, 3); k > 0; k--) raw = mutateJetstream(rand, raw, other, gen.known)
        }
        jet.frame(jet.source.fromWire(wire(raw)))
      } else {
        report.firehoseFrames++
        let raw = r < 0.6 ? gen.nextFirehose() : pick(rand, real.firehose)
        if (r >= 0.2 && r < 0.95) {
          report.mutated++
          const other = chance(rand, 0.5) ? pick(rand, real.firehose) : gen.nextFirehose()
          for (let k = 1 + int(rand, 2); k > 0; k--)
            raw = mutateFirehose(rand, raw, other, gen.known, toBytes)
        }
        fire.frame(fire.source.fromWire(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)))
      }
      if (report.frames % batchFrames === 0 || n === opts.frames - 1) {
        jet.flush()
        fire.flush()
        reader.round()
        copyIndexerStats(report, indexer)
        if (report.frames >= nextProgress) {
          nextProgress += progressEvery
          report.seconds = (performance.now() - started) / 1000
          opts.onProgress?.(report)
        }
      }
    }
    reader.finalChecks()
    copyIndexerStats(report, indexer)
    report.seconds = (performance.now() - started) / 1000
    return report
  } finally {
    driver.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

function copyIndexerStats(report: FuzzReport, indexer: Indexer) {
  report.applied = indexer.stats.applied
  report.invalid = Object.values(indexer.stats.invalid).reduce((a, b) => a + b, 0)
  // Failures are counted from the log, as findings; the stat is the cross-check.
  report.failed = Math.max(report.failed, indexer.stats.failed)
}

type Reads = ReturnType<typeof localReads>
type Community = { owner: string; uri: string; id: string }

/** The read side after each batch: the feed and every read query, with real and mutated cursors. */
class Reader {
  constructor(
    private readonly feeds: FeedService,
    private readonly reads: Reads,
    private readonly store: SqlStore,
    private readonly communities: readonly Community[],
    private readonly rand: Rand,
    private readonly find: (f: Finding) => void,
    private readonly report: FuzzReport,
  ) {}

  private call<T>(
    stage: string,
    input: unknown,
    fn: () => T,
  ): { ok: boolean; value?: any; error?: any } | undefined {
    this.report.reads++
    let r: unknown
    try {
      r = fn()
    } catch (e) {
      this.find({ kind: 'escaped', stage, error: message(e), input: JSON.stringify(input) })
      return undefined
    }
    if (!isResult(r)) {
      this.find({
        kind: 'not-a-result',
        stage,
        error: JSON.stringify(r)?.slice(0, 200) ?? 'undefined',
        input: JSON.stringify(input),
      })
      return undefined
    }
    if (!r.ok) this.report.readErrors++
    return r
  }

  /** A cursor a previous page returned must be accepted on the next call. */
  private follow(
    stage: string,
    input: Record<string, unknown>,
    fn: (cursor: string) => unknown,
    cursor: string | undefined,
  ): void {
    if (cursor === undefined) return
    this.report.cursorsFollowed++
    const next = this.call(stage, { ...input, cursor }, () => fn(cursor))
    if (next && !next.ok)
      this.find({
        kind: 'cursor',
        stage,
        error: JSON.stringify(next.error),
        input: JSON.stringify({ ...input, cursor }),
      })
    // The same cursor, damaged: any answer will do, as long as it is an answer.
    const bad = this.mutateCursor(cursor)
    this.call(`${stage} (mutated cursor)`, { ...input, cursor: bad }, () => fn(bad))
  }

  private mutateCursor(cursor: string): string {
    if (chance(this.rand, 0.3)) {
      // A well-formed cursor carrying wrong values: the decoder's checks, not the base64's.
      try {
        const json = Buffer.from(cursor, 'base64url').toString('utf8')
        const edited = mutateJetstream(this.rand, json, json, [])
        return Buffer.from(edited, 'utf8').toString('base64url')
      } catch {
        return cursor
      }
    }
    if (chance(this.rand, 0.5)) return mutateString(this.rand, cursor, ['=', '%', '.', '\u0000', '-_'])
    return Buffer.from(mutateBytes(this.rand, Buffer.from(cursor), Buffer.from('eyJ2IjoyfQ'))).toString(
      'latin1',
    )
  }

  private readonly unsafe = new Set<string>()

  /** A sort time outside the safe integers cannot round-trip through a feed cursor. */
  private checkSortUs(community: string, posts: readonly { uri: string; sortUs: number }[]): void {
    for (const p of posts) {
      if (Number.isSafeInteger(p.sortUs) || this.unsafe.has(p.uri)) continue
      this.unsafe.add(p.uri)
      this.find({
        kind: 'invariant',
        stage: 'stored sortUs',
        error: `post ${p.uri} in ${community} has sortUs ${p.sortUs}`,
      })
    }
  }

  round(): void {
    const c = pick(this.rand, this.communities)
    // Such times sort first (future) or last (far past): the newest end of a feed shows them.
    try {
      this.checkSortUs(c.id, this.store.moderatedPosts({ community: c.id, minSortUs: -Infinity, limit: 20 }))
    } catch (e) {
      this.find({ kind: 'escaped', stage: 'moderatedPosts', error: message(e) })
    }
    const limit = 1 + int(this.rand, 100)
    const feed = chance(this.rand, 0.95)
      ? `at://${c.owner}/${NSID.feedGenerator}/${c.id}`
      : mutateString(this.rand, `at://${c.owner}/${NSID.feedGenerator}/${c.id}`, [])
    const skeleton = (cursor?: string) =>
      this.feeds.getFeedSkeleton({ feed, limit, ...(cursor !== undefined ? { cursor } : {}) })
    const first = this.call('getFeedSkeleton', { feed, limit }, () => skeleton())
    if (first?.ok) this.follow('getFeedSkeleton', { feed, limit }, skeleton, first.value.cursor)

    const community = chance(this.rand, 0.5) ? c.id : c.uri
    this.call('getCommunity', { community }, () => this.reads.getCommunity({ community }))
    const list = (cursor?: string) =>
      this.reads.listCommunities({ limit: 2, ...(cursor !== undefined ? { cursor } : {}) })
    const listed = this.call('listCommunities', { limit: 2 }, () => list())
    if (listed?.ok) this.follow('listCommunities', { limit: 2 }, list, listed.value.cursor)
    const viewer = pick(this.rand, [c.owner, 'did:plc:fuzzmod0aaaaaaaaaaaaaaaaaa', 'did:plc:nobody'])
    const pages = {
      getMembers: (cursor?: string) =>
        this.reads.getMembers({ community, limit, ...(cursor !== undefined ? { cursor } : {}) }),
      getActions: (cursor?: string) =>
        this.reads.getActions({ community, limit, ...(cursor !== undefined ? { cursor } : {}) }),
      getPosts: (cursor?: string) =>
        this.reads.getPosts({ community, limit, ...(cursor !== undefined ? { cursor } : {}) }, viewer),
    }
    for (const [name, fn] of Object.entries(pages)) {
      const page = this.call(name, { community, limit }, () => fn())
      if (page?.ok) this.follow(name, { community, limit }, fn, page.value.cursor)
    }
  }

  /** The index still answers: every feed pages to its end, and no stored sort time is unsafe. */
  finalChecks(): void {
    const { store } = this
    let configs: { id: string; owner: string }[] = []
    try {
      configs = store.communitiesPage({ limit: 10_000 })
      store.indexedAuthors()
    } catch (e) {
      return this.find({ kind: 'invariant', stage: 'store', error: message(e) })
    }
    for (const c of configs) {
      const feed = `at://${c.owner}/${NSID.feedGenerator}/${c.id}`
      let cursor: string | undefined
      for (let page = 0; page < 100_000; page++) {
        const input = { feed, limit: 100, ...(cursor !== undefined ? { cursor } : {}) }
        const r = this.call('getFeedSkeleton (final)', input, () => this.feeds.getFeedSkeleton(input))
        if (!r) break
        if (!r.ok) {
          this.find({
            kind: cursor === undefined ? 'invariant' : 'cursor',
            stage: 'getFeedSkeleton (final)',
            error: JSON.stringify(r.error),
            input: JSON.stringify(input),
          })
          break
        }
        cursor = r.value.cursor
        if (cursor === undefined) break
      }
      let after: { sortUs: number; uri: string } | undefined
      try {
        for (;;) {
          const rows = store.moderatedPosts({
            community: c.id,
            minSortUs: -Infinity,
            limit: 1000,
            ...(after ? { after } : {}),
          })
          this.checkSortUs(c.id, rows)
          const last = rows[rows.length - 1]
          if (rows.length < 1000 || !last) break
          after = { sortUs: last.sortUs, uri: last.uri }
        }
      } catch (e) {
        this.find({ kind: 'escaped', stage: 'moderatedPosts (final)', error: message(e) })
      }
    }
  }
}

/** One line for logs and the CLI. */
export function summary(r: FuzzReport): string {
  const rate = r.seconds > 0 ? Math.round(r.frames / r.seconds) : 0
  return (
    `frames ${r.frames} (jetstream ${r.jetstreamFrames}, firehose ${r.firehoseFrames}, mutated ${r.mutated}) · passed stage 1 ${r.passed}, controls ${r.controls} · ` +
    `events ${r.events} in ${r.batches} batches · indexed ${r.applied} · refused ${r.invalid + r.malformed} (invalid ${r.invalid}, malformed ${r.malformed}) · ` +
    `failed ${r.failed} · reads ${r.reads} (errors ${r.readErrors}, cursors followed ${r.cursorsFollowed}, rejected ${r.cursorRejected}) · ` +
    `not-a-result ${r.notResults} · invariant violations ${r.invariantViolations} · escaped ${r.escaped} · ${r.seconds.toFixed(1)} s, ${rate} frames/s · seed ${r.seed}`
  )
}
