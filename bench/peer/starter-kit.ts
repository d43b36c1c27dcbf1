/**
 * A model of the read path of Bluesky's feed-generator starter kit (github.com/bluesky-social/feed-generator,
 * commit e4f3b82), written from what its files state, for `npm run bench -- --peer`. File names
 * below are the kit's.
 *
 * Served by the kit's own stack, as its src/server.ts builds it: an express 4 app mounting
 * @atproto/xrpc-server's router, made by `createServer` with the lexicons and `validateResponse: true`
 * (its generated src/lexicon/index.ts passes its whole lexicon bundle; here @atproto/api's `schemas`),
 * and kysely over better-sqlite3 with no pragmas, as its src/db/index.ts opens the file.
 *
 * Versions are those installed here, not the kit's lock: express 4.22.3 (kit 4.21.1), kysely 0.22.0
 * (kit ^0.27.4), @atproto/xrpc-server 0.10.21 (kit ^0.7.9), @atproto/identity 0.4.12 (kit ^0.2.1),
 * better-sqlite3 12 (kit 11). `--peer-dir` runs the kit itself with its own.
 *
 * Left out, as not on the read path: the firehose subscription (src/subscription.ts), the
 * describeFeedGenerator method and the did.json route (express reaches them only after the XRPC
 * router has declined a request).
 */
import { once } from 'node:events'
import type { Server } from 'node:http'
import SqliteDb from 'better-sqlite3'
import express, { type Request } from 'express'
import { Kysely, Migrator, sql, SqliteDialect, type Migration } from 'kysely'
import { schemas } from '@atproto/api'
import { DidResolver, MemoryCache } from '@atproto/identity'
import { AtUri } from '@atproto/syntax'
import { AuthRequiredError, createServer, InvalidRequestError, parseReqNsid, verifyJwt } from '@atproto/xrpc-server'

/** A row of the kit's `post` table (src/db/schema.ts). */
export interface KitPost {
  uri: string
  cid: string
  /** ISO 8601, milliseconds, `Z`: `new Date().toISOString()` when its subscription indexed the post. */
  indexedAt: string
}
interface KitSchema {
  post: KitPost
  sub_state: { service: string; cursor: number }
}
export type KitDb = Kysely<KitSchema>

// src/db/migrations.ts, migration '001', as kysely compiles it for SQLite. No index: the feed query
// then sorts the whole table per request (~1–2 req/s at 1M posts, ~0.7 s of CPU each).
const MIGRATIONS: Record<string, Migration> = {
  '001': {
    async up(db) {
      await sql`create table "post" ("uri" varchar primary key, "cid" varchar not null, "indexedAt" varchar not null)`.execute(db)
      await sql`create table "sub_state" ("service" varchar primary key, "cursor" integer not null)`.execute(db)
    },
  },
}

/**
 * Ours, not the kit's: the index anyone running it at this size would add first, which its feed
 * query (order by indexedAt desc, cid desc; `indexedAt <` a cursor) reads backwards. Without it the
 * comparison would be against a full sort.
 */
export const FAIR_INDEX_SQL = 'create index "post_indexedAt_cid" on "post" ("indexedAt", "cid")'

/** As src/db/index.ts createDb: kysely's SQLite dialect over a better-sqlite3 handle, defaults untouched. */
export const kitDb = (database: SqliteDb.Database): KitDb => new Kysely<KitSchema>({ dialect: new SqliteDialect({ database }) })

/** As src/db/index.ts migrateToLatest: kysely's Migrator, so the file records migration '001' as the kit's would. */
export async function migrateKit(db: Kysely<unknown>): Promise<void> {
  const { error } = await new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } }).migrateToLatest()
  if (error) throw error
}

/** src/algos/whats-alf.ts: a page's cursor is the last post's indexedAt in epoch milliseconds, base 10. */
export const kitCursor = (indexedAt: string): string => String(new Date(indexedAt).getTime())

/**
 * src/algos/whats-alf.ts: the newest posts by indexedAt then cid, strictly older than the cursor's
 * millisecond (so posts sharing the last one's millisecond are skipped, as in the kit).
 */
export async function whatsAlf(db: KitDb, params: { limit: number; cursor?: string }) {
  let query = db.selectFrom('post').selectAll().orderBy('indexedAt', 'desc').orderBy('cid', 'desc').limit(params.limit)
  if (params.cursor) query = query.where('post.indexedAt', '<', new Date(Number.parseInt(params.cursor, 10)).toISOString())
  const rows = await query.execute()
  const last = rows.at(-1)
  return { cursor: last ? kitCursor(last.indexedAt) : undefined, feed: rows.map((r) => ({ post: r.uri })) }
}

// src/algos/index.ts: algorithms by record key.
const ALGOS: Record<string, typeof whatsAlf> = { 'whats-alf': whatsAlf }

/**
 * src/auth.ts validateAuth: a Bearer service JWT checked by @atproto/xrpc-server's verifyJwt (aud the
 * service DID, lxm the request's method, signature by the issuer's atproto key from the resolver).
 */
export async function validateAuth(req: Request, serviceDid: string, didResolver: DidResolver): Promise<string> {
  const header = req.headers.authorization ?? ''
  if (!header.startsWith('Bearer ')) throw new AuthRequiredError()
  const payload = await verifyJwt(header.slice('Bearer '.length).trim(), serviceDid, parseReqNsid(req), (iss) => didResolver.resolveAtprotoKey(iss))
  return payload.iss
}

/** src/config.ts Config, the fields the read path uses, plus where DIDs resolve. */
export interface KitConfig {
  port: number
  listenhost: string
  sqliteLocation: string
  serviceDid: string
  publisherDid: string
  /** The kit hardcodes https://plc.directory (src/server.ts); the bench points it at its local PLC. */
  plcUrl: string
}

/** src/server.ts FeedGenerator.create + start, with src/methods/feed-generation.ts's handler. */
export function createKit(cfg: KitConfig): { db: KitDb; start(): Promise<Server> } {
  const app = express()
  const db = kitDb(new SqliteDb(cfg.sqliteLocation))
  const didResolver = new DidResolver({ plcUrl: cfg.plcUrl, didCache: new MemoryCache() })
  const server = createServer(schemas, {
    validateResponse: true,
    payload: { jsonLimit: 100 * 1024, textLimit: 100 * 1024, blobLimit: 5 * 1024 * 1024 },
  })
  server.method('app.bsky.feed.getFeedSkeleton', async ({ params, req }) => {
    const feedUri = new AtUri(String(params.feed))
    const algo = ALGOS[feedUri.rkey]
    if (feedUri.hostname !== cfg.publisherDid || feedUri.collection !== 'app.bsky.feed.generator' || !algo) {
      throw new InvalidRequestError('Unsupported algorithm', 'UnsupportedAlgorithm')
    }
    // The kit leaves this call commented out, as "how to check auth if giving user-specific
    // results"; the model makes it for requests that carry a token (the signed-in rows), so an
    // anonymous request is served as the kit ships.
    if (req.headers.authorization !== undefined) await validateAuth(req, cfg.serviceDid, didResolver)
    const body = await algo(db, { limit: Number(params.limit), ...(typeof params.cursor === 'string' ? { cursor: params.cursor } : {}) })
    return { encoding: 'application/json', body }
  })
  app.use(server.router)
  return {
    db,
    async start() {
      await migrateKit(db as Kysely<unknown>)
      const http = app.listen(cfg.port, cfg.listenhost)
      await once(http, 'listening')
      return http
    },
  }
}
