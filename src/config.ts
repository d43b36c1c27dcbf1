import { isValidDid } from '@atproto/syntax'
import { err, ok, type Result } from './core/result.js'

export interface Config {
  port: number
  host: string
  dataDir: string
  jetstreamUrl: string
  /** When set, the relay or PDS whose subscribeRepos is followed instead of Jetstream. */
  firehoseUrl?: string
  hostname: string
  serviceDid: string
  /** did:plc documents, for verifying requesters' service JWTs. */
  plcUrl: string
  retentionDays: number
  /** Feed pages kept until the index changes; 0 turns the cache off. */
  feedCacheSize: number
  logLevel: string
  /** The web app's AppView for posts and profiles; without one it reads each author's PDS. */
  appviewUrl?: string
  /** The resolveHandle service the web app signs in and looks up handles with. */
  handleResolverUrl: string
  /** Where the web app's "open in Bluesky" links point. */
  bskyAppUrl: string
  /** The built web app (`npm run build`); empty: the one in this checkout. */
  webDir: string
  /**
   * Where the stream starts when this value was never applied to the index (a Jetstream `time_us`
   * or a firehose `seq`); replays retained history once, then the saved cursor rules again.
   */
  startCursor?: number
  /** The relay an empty index is backfilled from at first start; empty: none. */
  backfillRelay: string
  /**
   * Local development only (npm run demo, tests): PDSs and did:web hosts on loopback and private
   * addresses may be read. Off, the service connects only to public addresses.
   */
  allowLocalPds: boolean
  /**
   * Workers host only: the secret that opens the admin methods (the admin backfill); absent, they
   * answer 403. At least 16 characters.
   */
  adminToken?: string
  /**
   * Firehose only: verify each commit that passes stage 1 (signature by the repo's #atproto key, MST
   * proofs of the indexed ops) before indexing it. Off only for a trusted relay.
   */
  verifyCommits: boolean
  /** /xrpc/_health answers 503 when the stream's lag is above this (seconds), or it has been down a minute. */
  healthMaxLagS: number
}

export type Env = Record<string, string | undefined>

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
// did:web allows a port, written as %3A in the DID.
const HOSTNAME_RE = /^(?=.{1,253}(?::\d{1,5})?$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d{1,5})?$/i

function isWsUrl(value: string, bareHost = false): boolean {
  try {
    const u = new URL(value)
    return (u.protocol === 'ws:' || u.protocol === 'wss:') && (!bareHost || (u.search === '' && u.hash === ''))
  } catch {
    return false
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value)
    return u.protocol === 'http:' || u.protocol === 'https:'
  } catch {
    return false
  }
}

/** Reads and validates every setting at start, so a bad value fails once, clearly. */
export function loadConfig(env: Env): Result<Config> {
  const problems: string[] = []
  const str = (name: string, fallback: string) => {
    const v = env[name]
    return v === undefined || v === '' ? fallback : v
  }

  const port = Number(str('PORT', '3000'))
  if (!/^\d+$/.test(str('PORT', '3000')) || port > 65535) problems.push(`PORT must be an integer from 0 to 65535 (got ${JSON.stringify(env.PORT)})`)

  const jetstreamUrl = str('ATRARIUM_JETSTREAM_URL', 'wss://jetstream2.us-east.bsky.network/subscribe')
  if (!isWsUrl(jetstreamUrl)) problems.push(`ATRARIUM_JETSTREAM_URL must be a ws:// or wss:// URL (got ${JSON.stringify(jetstreamUrl)})`)

  const firehoseUrl = str('ATRARIUM_FIREHOSE_URL', '')
  if (firehoseUrl !== '' && !isWsUrl(firehoseUrl, true)) {
    problems.push(`ATRARIUM_FIREHOSE_URL must be the ws:// or wss:// URL of a relay or PDS, without query (got ${JSON.stringify(firehoseUrl)})`)
  }

  const hostname = str('ATRARIUM_HOSTNAME', 'localhost')
  if (!HOSTNAME_RE.test(hostname)) problems.push(`ATRARIUM_HOSTNAME must be a host name such as feeds.example.com (got ${JSON.stringify(hostname)})`)

  const serviceDid = str('ATRARIUM_SERVICE_DID', `did:web:${hostname.replace(':', '%3A')}`)
  if (!isValidDid(serviceDid)) problems.push(`ATRARIUM_SERVICE_DID must be a DID (got ${JSON.stringify(serviceDid)})`)

  const httpUrl = (name: string, fallback: string) => {
    const value = str(name, fallback)
    if (value !== '' && !isHttpUrl(value)) problems.push(`${name} must be an http:// or https:// URL (got ${JSON.stringify(value)})`)
    return value
  }
  const plcUrl = httpUrl('ATRARIUM_PLC_URL', 'https://plc.directory')
  const appviewUrl = httpUrl('ATRARIUM_APPVIEW_URL', '')
  const handleResolverUrl = httpUrl('ATRARIUM_HANDLE_RESOLVER_URL', appviewUrl || 'https://api.bsky.app')
  const bskyAppUrl = httpUrl('ATRARIUM_BSKY_APP_URL', 'https://bsky.app')

  const retentionRaw = str('ATRARIUM_RETENTION_DAYS', '7')
  const retentionDays = Number(retentionRaw)
  if (!/^\d+(\.\d+)?$/.test(retentionRaw) || !(retentionDays > 0) || retentionDays > 3650) {
    problems.push(`ATRARIUM_RETENTION_DAYS must be a number of days above 0 (got ${JSON.stringify(retentionRaw)})`)
  }

  const feedCacheRaw = str('ATRARIUM_FEED_CACHE_SIZE', '1000')
  const feedCacheSize = Number(feedCacheRaw)
  if (!/^\d+$/.test(feedCacheRaw) || feedCacheSize > 1_000_000) {
    problems.push(`ATRARIUM_FEED_CACHE_SIZE must be a whole number of pages from 0 (off) to 1000000 (got ${JSON.stringify(feedCacheRaw)})`)
  }

  // A Jetstream time_us, a firehose seq, or (Jetstream only) a time such as 2026-11-28T00:00:00Z.
  const startRaw = str('ATRARIUM_START_CURSOR', '')
  let startCursor: number | undefined
  if (startRaw !== '') {
    const asTime = /^\d{4}-\d{2}-\d{2}T/.test(startRaw) ? Date.parse(startRaw) : NaN
    if (/^\d{1,16}$/.test(startRaw)) startCursor = Number(startRaw)
    else if (Number.isFinite(asTime) && asTime >= 0 && firehoseUrl === '') startCursor = asTime * 1000
    else problems.push(`ATRARIUM_START_CURSOR must be a cursor (a Jetstream time_us or a firehose seq) or, with Jetstream, an ISO time (got ${JSON.stringify(startRaw)})`)
  }

  const backfillRelay = env.ATRARIUM_BACKFILL_RELAY === undefined ? 'https://relay1.us-east.bsky.network' : env.ATRARIUM_BACKFILL_RELAY
  if (backfillRelay !== '' && !isHttpUrl(backfillRelay)) problems.push(`ATRARIUM_BACKFILL_RELAY must be an http:// or https:// URL, or empty for none (got ${JSON.stringify(backfillRelay)})`)
  const allowLocalRaw = str('ATRARIUM_ALLOW_LOCAL_PDS', '0')
  if (allowLocalRaw !== '0' && allowLocalRaw !== '1') problems.push(`ATRARIUM_ALLOW_LOCAL_PDS must be 0 or 1 (got ${JSON.stringify(allowLocalRaw)})`)

  const verifyRaw = str('ATRARIUM_VERIFY_COMMITS', 'true')
  if (verifyRaw !== 'true' && verifyRaw !== 'false') problems.push(`ATRARIUM_VERIFY_COMMITS must be true or false (got ${JSON.stringify(verifyRaw)})`)

  const maxLagRaw = str('ATRARIUM_HEALTH_MAX_LAG_S', '300')
  const healthMaxLagS = Number(maxLagRaw)
  if (!/^\d+(\.\d+)?$/.test(maxLagRaw) || !(healthMaxLagS > 0)) problems.push(`ATRARIUM_HEALTH_MAX_LAG_S must be a number of seconds above 0 (got ${JSON.stringify(maxLagRaw)})`)

  const adminToken = str('ATRARIUM_ADMIN_TOKEN', '')
  if (adminToken !== '' && adminToken.length < 16) problems.push('ATRARIUM_ADMIN_TOKEN must be at least 16 characters (use a random secret)')

  const logLevel = str('LOG_LEVEL', 'info')
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(logLevel)})`)

  const host = str('HOST', '127.0.0.1')
  if (problems.length > 0) return err(problems.join('\n'))
  return ok({
    port, host, dataDir: str('ATRARIUM_DATA_DIR', './data'), jetstreamUrl, ...(firehoseUrl ? { firehoseUrl } : {}), hostname, serviceDid, plcUrl, retentionDays, feedCacheSize, logLevel,
    ...(appviewUrl ? { appviewUrl } : {}), handleResolverUrl, bskyAppUrl, webDir: str('ATRARIUM_WEB_DIR', ''),
    ...(startCursor !== undefined ? { startCursor } : {}), backfillRelay, allowLocalPds: allowLocalRaw === '1',
    ...(adminToken ? { adminToken } : {}), healthMaxLagS, verifyCommits: verifyRaw === 'true',
  })
}
