import { join } from 'node:path'
import type { Hono } from 'hono'
import { createApp } from '../api/app.js'
import type { AppEnv } from '../api/service-auth.js'
import { ServiceAuthVerifier } from '../auth/service-auth-verifier.js'
import type { Config } from '../config.js'
import { FeedService } from '../core/feed-service.js'
import { Indexer } from '../core/indexer.js'
import { applyInteractions } from '../core/interactions.js'
import { SkeletonCache } from '../core/skeleton-cache.js'
import type { Logger } from '../core/logger.js'
import { healthProblems } from '../core/health.js'
import { Metrics } from './metrics.js'
import { US_PER_DAY } from '../core/time.js'
import { firehoseSource } from '../ingest/firehose-source.js'
import { firehoseVerifier } from '../ingest/firehose-verifier.js'
import { jetstreamSource } from '../ingest/jetstream-source.js'
import { StreamIngest } from '../ingest/stream-ingest.js'
import { SqlStore } from '../store/sql-store.js'
import { SqliteDriver } from '../store/sqlite-driver.js'
import { webClientConfig } from '../api/web-routes.js'
import { localReads } from './local-reads.js'
import { pinnedFetch } from './pinned-fetch.js'
import { hostSignatureCheck, verifierSignatures, type HostSignatureCheck } from './native-signature.js'
import { RetentionJob } from './retention-job.js'
import { WalCheckpointer } from './wal-checkpointer.js'
import { DEFAULT_WEB_DIR, serveWebApp } from './web-assets.js'
import { FirstStartBackfill } from './first-start-backfill.js'
import { newResolutionCounts } from '../auth/counted-resolver.js'
import { serviceIdentity } from '../auth/service-identity.js'
import { JoinBackfiller } from '../backfill/join-backfill.js'
import { memberPostLister } from '../backfill/post-listing.js'
import { JoinBackfillJob } from './join-backfill-job.js'

/** Everything the Node host runs, built once from the config. */
export interface AppContext {
  config: Config
  log: Logger
  driver: SqliteDriver
  store: SqlStore
  indexer: Indexer
  ingest: StreamIngest<string> | StreamIngest<Uint8Array>
  retention: RetentionJob
  /** Checkpoints the WAL off the event loop; started with the host. */
  checkpointer: WalCheckpointer
  /** Backfills an empty index from a relay at first start (ATRARIUM_BACKFILL_RELAY). */
  firstStart: FirstStartBackfill
  /** Reads new members' earlier posts from their PDSs (issue #13). */
  joinBackfill: JoinBackfillJob
  /** Signature checks (service JWTs, commits); may own a worker thread. */
  signatures: HostSignatureCheck
  app: Hono<AppEnv>
}

export function createContext(config: Config, log: Logger): AppContext {
  const driver = new SqliteDriver(join(config.dataDir, 'atrarium.sqlite'))
  const store = new SqlStore(driver)
  const retentionUs = config.retentionDays * US_PER_DAY
  const indexer = new Indexer({ store, log, retentionUs })
  const minSortUs = () => indexer.minSortUs()
  const start = config.startCursor !== undefined ? { startCursor: config.startCursor } : {}
  // Metrics read the stream's counters, and the stream reports its batches to them: bound late.
  let metrics: Metrics | undefined
  const onBatch = (events: number, seconds: number) => metrics?.batch(events, seconds)
  const pdsFetch = pinnedFetch({ allowLocal: config.allowLocalPds })
  const resolutions = { auth: newResolutionCounts(), pds: newResolutionCounts(), keys: newResolutionCounts() }
  const signatures = hostSignatureCheck()
  log.info({ secp256k1: signatures.library, thread: signatures.thread }, 'signature checks')
  // Jetstream carries no signatures or proofs: only a firehose can be verified.
  const verifier = config.firehoseUrl && config.verifyCommits
    ? firehoseVerifier({ plcUrl: config.plcUrl, webFetch: pdsFetch, allowLocal: config.allowLocalPds, verifySignature: signatures.check, resolutions: resolutions.keys })
    : undefined
  // A configured firehose replaces Jetstream: one stream, one cursor, never both.
  const ingest = config.firehoseUrl
    ? new StreamIngest({ source: firehoseSource({ url: config.firehoseUrl, passIdentity: verifier !== undefined }), store, indexer, log, ...start, onBatch, ...(verifier ? { verifier } : {}) })
    : new StreamIngest({ source: jetstreamSource({ url: config.jetstreamUrl }), store, indexer, log, ...start, onBatch })
  const identity = serviceIdentity({ plcUrl: config.plcUrl, webFetch: pdsFetch, allowLocal: config.allowLocalPds, resolutions: resolutions.pds })
  const firstStart = new FirstStartBackfill({ relay: config.backfillRelay, driver, store, indexer, log, identity, fetch: pdsFetch })
  const joinBackfill = new JoinBackfillJob({
    log,
    backfiller: new JoinBackfiller({
      store, log, minSortUs,
      listPosts: memberPostLister({ pdsOf: (did) => identity.pdsOf(did), fetch: pdsFetch }),
      apply: (events) => indexer.applyBatch(events),
    }),
  })
  const retention = new RetentionJob({ store, log, minSortUs, afterPurge: () => ingest.pruneAuthors() })
  const cache = config.feedCacheSize > 0 ? new SkeletonCache({ maxEntries: config.feedCacheSize }) : undefined
  const feeds = new FeedService({ store, serviceDid: config.serviceDid, minSortUs, log, ...(cache ? { cache } : {}) })
  const m = new Metrics({
    ingest: () => ingest.stats, socket: () => ingest.socketStats, stream: () => ingest.streamState(), indexer: () => indexer.stats,
    joinBackfill: () => joinBackfill.status, firstStart: () => firstStart.status, feedCache: () => cache?.stats, didResolutions: () => resolutions,
  })
  metrics = m
  const app = createApp({
    metrics: { contentType: m.registry.contentType, text: () => m.registry.metrics() },
    onRequest: (path, status, seconds) => m.request(path, status, seconds),
    feeds,
    interactions: (viewer, items) => store.transaction(() => applyInteractions(store, viewer, items, Date.now() * 1000, retentionUs)),
    reads: localReads(store, minSortUs),
    hostname: config.hostname,
    log,
    // webFetch: a did:web name is fetched only if every address DNS gives it is public, and only from
    // those addresses, checked as the socket connects (no lookupHost pre-check: it would ask DNS twice).
    auth: new ServiceAuthVerifier({ serviceDid: config.serviceDid, plcUrl: config.plcUrl, ...verifierSignatures(signatures), webFetch: pinnedFetch(), resolutions: resolutions.auth }),
    health: () => {
      const stream = ingest.streamState()
      const problems = healthProblems(stream, config.healthMaxLagS)
      return {
        ...(problems.length > 0 ? { problems } : {}),
        cursor: ingest.cursor ?? null, stream, ingest: ingest.stats, indexer: indexer.stats, backfill: firstStart.status, joinBackfill: joinBackfill.status,
      }
    },
    web: webClientConfig(config),
  })
  serveWebApp(app, config.webDir || DEFAULT_WEB_DIR, log)
  const checkpointer = new WalCheckpointer({ driver, log })
  return { config, log, driver, store, indexer, ingest, retention, checkpointer, firstStart, joinBackfill, signatures, app }
}
