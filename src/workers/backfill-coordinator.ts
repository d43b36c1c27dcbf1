import { DurableObject } from 'cloudflare:workers'
import { serviceIdentity } from '../auth/service-identity.js'
import { BACKFILL_COLLECTIONS, listCollection, pdsSource, relaySource, type RepoSource } from '../backfill/repo-listing.js'
import { backoffDelayMs } from '../core/backoff.js'
import { communityIdOf } from '../core/community-id.js'
import type { RecordEvent } from '../core/events.js'
import { NSID } from '../core/nsid.js'
import { first } from '../store/sql-driver.js'
import { consoleLogger } from './console-logger.js'
import { DoSqlDriver } from './do-sql-driver.js'
import { applyEvents, routeAuthors } from './processor.js'
import { COMMUNITIES_DIRECTORY, communityStub, directoryShardOf, directoryStub } from './routing.js'
import { settingsOf } from './settings.js'

export type BackfillSource = { relay: string } | { pds: string }

export interface BackfillStatus {
  state: 'idle' | 'listing' | 'reading' | 'queueing' | 'done' | 'failed'
  source?: string
  repos: { total: number; done: number; failed: number }
  records: number
  deleted: number
  communities: number
  /** Members whose posts community objects are still to read (of at most 100 communities). */
  postsPending: number
  errors: { did: string; error: string }[]
  error?: string
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS run (id INTEGER PRIMARY KEY CHECK (id = 0), source TEXT NOT NULL, state TEXT NOT NULL,
  listing INTEGER NOT NULL DEFAULT 0, cursor TEXT, attempts INTEGER NOT NULL DEFAULT 0, error TEXT,
  records INTEGER NOT NULL DEFAULT 0, deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS repos (did TEXT PRIMARY KEY, pds TEXT, done INTEGER NOT NULL DEFAULT 0, error TEXT);
CREATE TABLE IF NOT EXISTS communities (id TEXT PRIMARY KEY, queued INTEGER NOT NULL DEFAULT 0);`

type RunRow = { source: string; state: BackfillStatus['state']; listing: number; cursor: string | null; attempts: number; error: string | null; records: number; deleted: number }

/** Repos read per alarm, and communities whose members are queued per alarm: steps stay short. */
const REPOS_PER_STEP = 5
const COMMUNITIES_PER_STEP = 20
const RETRY = { baseMs: 2_000, maxMs: 300_000 }
const MAX_ATTEMPTS = 10

const parseSource = (s: string): BackfillSource => JSON.parse(s) as BackfillSource
const repoSource = (s: BackfillSource): RepoSource => ('relay' in s ? relaySource(s.relay) : pdsSource(s.pds))

/**
 * The Workers host's backfill (issue #13), one instance: the same work as `atrarium backfill`, in
 * alarm steps that each stay far inside a request's limits and survive evictions. It lists repos,
 * reads each one's records and applies them through the queue consumer's routing (deleting what
 * the index holds of the repo that the repo no longer has), then has every community object queue
 * its members' posts, which their alarms read as join backfills.
 */
export class BackfillCoordinator extends DurableObject<Env> {
  private readonly sql: DoSqlDriver

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.sql = new DoSqlDriver(ctx.storage)
    this.sql.exec(SCHEMA)
  }

  #run(): RunRow | undefined {
    return first(this.sql.all<RunRow>('SELECT * FROM run WHERE id = 0'))
  }

  /** Starts a run unless one is in progress; answers the status either way. */
  async start(source: BackfillSource): Promise<{ started: boolean; status: BackfillStatus }> {
    const run = this.#run()
    if (run && run.state !== 'done' && run.state !== 'failed') return { started: false, status: await this.status() }
    this.sql.transaction(() => {
      this.sql.exec('DELETE FROM run; DELETE FROM repos; DELETE FROM communities')
      this.sql.run("INSERT INTO run (id, source, state) VALUES (0, ?, 'listing')", JSON.stringify(source))
    })
    await this.ctx.storage.setAlarm(Date.now())
    return { started: true, status: await this.status() }
  }

  async status(): Promise<BackfillStatus> {
    const run = this.#run()
    const count = (where: string) => first(this.sql.all<{ n: number }>(`SELECT COUNT(*) AS n FROM repos ${where}`))?.n ?? 0
    const ids = this.sql.all<{ id: string }>('SELECT id FROM communities ORDER BY id LIMIT 100').map((r) => r.id)
    let postsPending = 0
    if (run?.state === 'done') for (const id of ids) postsPending += await communityStub(this.env, id).joinBackfillPending()
    const source = run ? parseSource(run.source) : undefined
    return {
      state: run?.state ?? 'idle',
      ...(source ? { source: 'relay' in source ? `relay ${source.relay}` : `pds ${source.pds}` } : {}),
      repos: { total: count(''), done: count('WHERE done = 1'), failed: count('WHERE error IS NOT NULL') },
      records: run?.records ?? 0,
      deleted: run?.deleted ?? 0,
      communities: first(this.sql.all<{ n: number }>('SELECT COUNT(*) AS n FROM communities'))?.n ?? 0,
      postsPending,
      errors: this.sql.all<{ did: string; error: string }>('SELECT did, error FROM repos WHERE error IS NOT NULL ORDER BY did LIMIT 10'),
      ...(run?.error ? { error: run.error } : {}),
    }
  }

  override async alarm(): Promise<void> {
    const run = this.#run()
    if (!run) return
    const more = run.state === 'listing' ? await this.#list(run) : run.state === 'reading' ? await this.#read() : run.state === 'queueing' ? await this.#queue() : false
    if (more === true) await this.ctx.storage.setAlarm(Date.now())
    else if (typeof more === 'number') await this.ctx.storage.setAlarm(Date.now() + more)
  }

  /** One page of one listing; a failure is retried with backoff, then ends the run. */
  async #list(run: RunRow): Promise<boolean | number> {
    const source = repoSource(parseSource(run.source))
    const listing = source.listings[run.listing]
    if (listing === undefined) return this.#state('reading')
    const page = await source.page(listing, run.cursor ?? undefined)
    if (!page.ok) {
      if (run.attempts + 1 >= MAX_ATTEMPTS) return this.#state('failed', page.error)
      this.sql.run('UPDATE run SET attempts = attempts + 1, error = ? WHERE id = 0', page.error)
      return backoffDelayMs(run.attempts, RETRY)
    }
    this.sql.transaction(() => {
      for (const r of page.value.repos) this.sql.run('INSERT OR IGNORE INTO repos (did, pds) VALUES (?, ?)', r.did, r.pds ?? null)
      const done = page.value.cursor === undefined || page.value.cursor === run.cursor
      this.sql.run('UPDATE run SET listing = listing + ?, cursor = ?, attempts = 0, error = NULL WHERE id = 0', done ? 1 : 0, done ? null : page.value.cursor!)
    })
    return true
  }

  /** Reads a few repos and applies their records as the queue consumer would. */
  async #read(): Promise<boolean> {
    const repos = this.sql.all<{ did: string; pds: string | null }>('SELECT did, pds FROM repos WHERE done = 0 AND error IS NULL ORDER BY did LIMIT ?', REPOS_PER_STEP)
    if (repos.length === 0) return this.#state('queueing')
    const settings = settingsOf(this.env)
    const identity = serviceIdentity({ plcUrl: settings.plcUrl, webFetch: fetch, allowLocal: false })
    for (const repo of repos) {
      const pds = repo.pds ? { ok: true as const, value: repo.pds } : await identity.pdsOf(repo.did)
      const read = pds.ok ? await this.#readRepo(pds.value, repo.did) : pds
      if (read.ok) this.sql.run('UPDATE repos SET done = 1 WHERE did = ?', repo.did)
      else {
        this.sql.run('UPDATE repos SET error = ? WHERE did = ?', read.error, repo.did)
        consoleLogger(settings.logLevel, { do: 'backfill' }).warn({ did: repo.did, err: read.error }, 'repo skipped')
      }
    }
    return true
  }

  async #readRepo(pds: string, did: string): Promise<{ ok: true } | { ok: false; error: string }> {
    const records: { uri: string; value: unknown }[] = []
    for (const collection of BACKFILL_COLLECTIONS) {
      const listed = await listCollection(fetch, pds, did, collection)
      if (!listed.ok) return listed
      records.push(...listed.value.filter((r) => r.uri.startsWith(`at://${did}/${collection}/`)))
    }
    const nowUs = Date.now() * 1000
    const event = (uri: string, value?: unknown): RecordEvent => {
      const [collection = '', rkey = ''] = uri.slice(`at://${did}/`.length).split('/')
      return value === undefined
        ? { op: 'delete', did, collection, rkey, timeUs: nowUs, cursor: 0 }
        : { op: 'create', did, collection, rkey, record: value, timeUs: nowUs, cursor: 0, backfill: true }
    }
    await applyEvents(records.map((r) => event(r.uri, r.value)), this.env)
    const read = new Set(records.map((r) => r.uri))
    const [routed, owned] = await Promise.all([
      directoryStub(this.env, directoryShardOf(did)).repoRecords(did),
      directoryStub(this.env, COMMUNITIES_DIRECTORY).configsOwnedBy(did),
    ])
    // Two backfills give the state of the PDSs, not the union of history.
    const gone = [...new Set([...routed, ...owned])].filter((uri) => !read.has(uri))
    await applyEvents(gone.map((uri) => event(uri)), this.env)
    this.sql.transaction(() => {
      for (const r of records) if (r.uri.startsWith(`at://${did}/${NSID.config}/`)) this.sql.run('INSERT OR IGNORE INTO communities (id) VALUES (?)', communityIdOf(r.uri))
      this.sql.run('UPDATE run SET records = records + ?, deleted = deleted + ? WHERE id = 0', records.length, gone.length)
    })
    return { ok: true }
  }

  /** Has a few community objects queue their members' posts. */
  async #queue(): Promise<boolean> {
    const ids = this.sql.all<{ id: string }>('SELECT id FROM communities WHERE queued = 0 ORDER BY id LIMIT ?', COMMUNITIES_PER_STEP).map((r) => r.id)
    if (ids.length === 0) return this.#state('done')
    for (const id of ids) {
      const members = await communityStub(this.env, id).queueMemberBackfills()
      // Their post deletes must reach the object while it reads their posts.
      await routeAuthors(this.env, members.map((did) => ({ did, id })))
      this.sql.run('UPDATE communities SET queued = 1 WHERE id = ?', id)
    }
    return true
  }

  #state(state: BackfillStatus['state'], error?: string): boolean {
    this.sql.run('UPDATE run SET state = ?, cursor = NULL, attempts = 0, error = ? WHERE id = 0', state, error ?? null)
    return state !== 'done' && state !== 'failed'
  }
}
