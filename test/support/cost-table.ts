/**
 * The Workers host's monthly bill, from what the cost-model test measures (test/workers/cost-model.test.ts),
 * for three loads. It prints docs/cost.md's tables; `npm run cost:doc` writes them there.
 */

/** What the cost model measured over a window of generated network events. */
export interface Measured {
  events: number
  /** Stage-1 survivors, their bytes, and the posts among them naming a community. */
  survivors: number
  survivorBytes: number
  communityPosts: number
  doRequests: number
  rowsWritten: number
}

export interface Load {
  name: string
  communities: number
  /** Posts naming a community, per day: what drives every per-event cost after stage 1. */
  communityPostsPerDay: number
}

/** The network as Jetstream carries it (the design document's figure). */
export const NETWORK_EVENTS_PER_S = 2000
const POSTS_SHARE = 0.23
const S_PER_MONTH = 30 * 86_400

export const LOADS: Load[] = [
  { name: "design (1,000 communities, ~1% of posts name one)", communities: 1000, communityPostsPerDay: NETWORK_EVENTS_PER_S * POSTS_SHARE * 0.01 * 86_400 },
  { name: 'small (10 communities, 1,000 community posts a day)', communities: 10, communityPostsPerDay: 1000 },
  { name: 'large (10,000 communities, ~10% of posts name one)', communities: 10_000, communityPostsPerDay: NETWORK_EVENTS_PER_S * POSTS_SHARE * 0.1 * 86_400 },
]

/** Cloudflare's published prices, read 2026-11-29 (sources in docs/cost.md). */
export const PRICES = {
  workersPlan: 5,
  workersRequests: { included: 10e6, perMillion: 0.3 },
  doRequests: { included: 1e6, perMillion: 0.15 },
  doDuration: { included: 400_000, perMillionGbS: 12.5 },
  rowsWritten: { included: 50e6, perMillion: 1 },
  queueOps: { included: 1e6, perMillion: 0.4 },
  storage: { includedGb: 5, perGbMonth: 0.2 },
}

/** The Workers Free plan's daily limits (Durable Objects SQLite-backed only; Queues since 2026-02-04). */
export const FREE_PER_DAY = { workerRequests: 100_000, doRequests: 100_000, doGbS: 13_000, rowsWritten: 100_000, queueOps: 10_000 }

/** The receiver's flush window and cursor mark interval (ReceiverBuffer's defaults). */
const FLUSH_S = 2
const MARK_S = 5
const GB_PER_OBJECT = 0.128
/** Wall time a community, directory or global object is billed per request: a few ms of work, rounded up. */
const MS_PER_REQUEST = 10
/** Node's measured 220 B a post (three b-trees), plus the global index's row. */
const BYTES_PER_POST = 320

export interface Line {
  item: string
  volume: number
  unit: string
  cost: number
}

const over = (volume: number, included: number, perMillion: number) => (Math.max(0, volume - included) / 1e6) * perMillion

/** The month's volumes and costs for one load, scaling what was measured by its community posts. */
export function monthly(load: Load, m: Measured): { lines: Line[]; perDay: Record<keyof typeof FREE_PER_DAY, number> } {
  // Everything after stage 1 follows the community posts; the stream itself is the same network.
  const f = load.communityPostsPerDay / ((m.communityPosts / m.events) * NETWORK_EVENTS_PER_S * 86_400)
  const survivorsPerS = (m.survivors / m.events) * NETWORK_EVENTS_PER_S * f
  const bytesPerSurvivor = m.survivorBytes / m.survivors
  // A flush every 2 s when there is something to send; a quieter stream sends each survivor alone.
  const flushesPerS = Math.min(1 / FLUSH_S, survivorsPerS)
  const messagesPerS = flushesPerS * Math.max(1, Math.ceil((survivorsPerS / flushesPerS) * bytesPerSurvivor / 64_000))
  const messages = messagesPerS * S_PER_MONTH
  const queueOps = messages * 3
  // The receiver: one cursor save per flush or mark; an author-set row per poster a day (assumed: a
  // poster writes 3 community posts a day); a keep-alive alarm every 30 s.
  const receiverRows = Math.max(flushesPerS, 1 / MARK_S) * S_PER_MONTH + (load.communityPostsPerDay / 3) * 30
  const receiverRequests = (S_PER_MONTH / 30) + S_PER_MONTH / 60
  const consumerRequests = (m.doRequests / m.events) * NETWORK_EVENTS_PER_S * f * S_PER_MONTH
  const rows = (m.rowsWritten / m.events) * NETWORK_EVENTS_PER_S * f * S_PER_MONTH + receiverRows
  const receiverGbS = S_PER_MONTH * GB_PER_OBJECT
  const otherGbS = consumerRequests * (MS_PER_REQUEST / 1000) * GB_PER_OBJECT
  const doRequests = consumerRequests + receiverRequests
  // Queue consumer invocations and the per-minute cron; feed reads depend on readers and are left out.
  const workerRequests = messages + S_PER_MONTH / 60
  const storageGb = (load.communityPostsPerDay * 7 * BYTES_PER_POST) / 1e9
  const lines: Line[] = [
    { item: 'Workers Paid plan', volume: 1, unit: 'month', cost: PRICES.workersPlan },
    { item: 'Worker requests (queue consumer invocations, cron)', volume: workerRequests, unit: 'requests', cost: over(workerRequests, PRICES.workersRequests.included, PRICES.workersRequests.perMillion) },
    { item: 'Queue operations (write, read, delete per message of ≤ 64 KB)', volume: queueOps, unit: 'operations', cost: over(queueOps, PRICES.queueOps.included, PRICES.queueOps.perMillion) },
    { item: 'Durable Object requests (RPCs, alarms, receiver keep-alive)', volume: doRequests, unit: 'requests', cost: over(doRequests, PRICES.doRequests.included, PRICES.doRequests.perMillion) },
    { item: 'Durable Object duration (receiver always connected, others 10 ms a request)', volume: receiverGbS + otherGbS, unit: 'GB-s', cost: over(receiverGbS + otherGbS, PRICES.doDuration.included, PRICES.doDuration.perMillionGbS) },
    { item: 'SQLite rows written (index, global index, directory, receiver cursor and authors)', volume: rows, unit: 'rows', cost: over(rows, PRICES.rowsWritten.included, PRICES.rowsWritten.perMillion) },
    { item: 'SQLite storage (7 days of posts with their indexes and global row)', volume: storageGb, unit: 'GB', cost: Math.max(0, storageGb - PRICES.storage.includedGb) * PRICES.storage.perGbMonth },
  ]
  const day = (month: number) => month / 30
  return {
    lines,
    perDay: { workerRequests: day(workerRequests), doRequests: day(doRequests), doGbS: day(receiverGbS + otherGbS), rowsWritten: day(rows), queueOps: day(queueOps) },
  }
}

const num = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en') : v.toFixed(2))
const usd = (v: number) => `$${v.toFixed(2)}`

/** docs/cost.md's tables: one per load, then the Free plan check for each. */
export function costTables(m: Measured): string {
  const out: string[] = []
  for (const load of LOADS) {
    const { lines, perDay } = monthly(load, m)
    const total = lines.reduce((n, l) => n + l.cost, 0)
    out.push(`### ${load.name}`, '', '| item | volume a month | cost |', '|---|---|---|')
    for (const l of lines) out.push(`| ${l.item} | ${num(l.volume)} ${l.unit} | ${usd(l.cost)} |`)
    out.push(`| **total, before feed reads** | | **${usd(total)}** |`, '')
    const free = (Object.keys(FREE_PER_DAY) as (keyof typeof FREE_PER_DAY)[]).map((k) => `${k} ${num(perDay[k])} of ${num(FREE_PER_DAY[k])}${perDay[k] > FREE_PER_DAY[k] ? ' (over)' : ''}`)
    out.push(`Free plan, per day: ${free.join('; ')}.`, '')
  }
  return out.join('\n')
}
