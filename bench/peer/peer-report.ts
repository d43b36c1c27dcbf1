/** The side-by-side bench's figures (for latest.json) and its table (printed after the main one). */
import { median, type Figure } from '../lib.js'
import type { LoadResult } from '../load-tool.js'

export const SERVERS = ['kit', 'ours_cached', 'ours_uncached'] as const
export type ServerKey = (typeof SERVERS)[number]
const OURS = ['ours_cached', 'ours_uncached'] as const

export interface PeerRow {
  key: string
  label: string
  page: 'first' | 'deep' | 'cursors'
  /** No token; a new service JWT per request; one token on every request. */
  auth: 'none' | 'each' | 'reused'
}

export type PeerResults = Map<string, Record<ServerKey, LoadResult[]>>

export interface PeerMeta {
  kit: string
  how: string
  seconds: number
  rounds: number
  /** Whether the kit checks the tokens (the model does; the kit as shipped ignores them). */
  kitVerifies: boolean
  tokens: string
}

interface Summary { rps: number; p50: number; p99: number; cpu: number; errors: number }
const summary = (rs: readonly LoadResult[]): Summary => ({
  rps: median(rs.map((r) => r.rps)),
  p50: median(rs.map((r) => r.p50)),
  p99: median(rs.map((r) => r.p99)),
  cpu: median(rs.map((r) => r.cpuUsPerReq ?? NaN)),
  errors: rs.reduce((e, r) => e + r.errors, 0),
})

const NAMES: Record<ServerKey, string> = { kit: 'starter kit', ours_cached: 'ours, page cache on', ours_uncached: 'ours, page cache off' }

export function peerFigures(rows: readonly PeerRow[], results: PeerResults, meta: PeerMeta): Figure[] {
  const out: Figure[] = []
  const base = `${meta.rounds} × ${meta.seconds} s interleaved with the other servers, ${meta.how}`
  for (const row of rows) {
    const rs = results.get(row.key)!
    const s = Object.fromEntries(SERVERS.map((k) => [k, summary(rs[k])])) as Record<ServerKey, Summary>
    const unverified = row.auth !== 'none' && !meta.kitVerifies ? '; the kit does not check the token' : ''
    for (const k of SERVERS) {
      const what = `getFeedSkeleton side by side, ${row.label}, ${NAMES[k]}`
      const note = `${base}; ${k === 'kit' ? meta.kit + unverified : 'createApp + FeedService as the Node host'}; ${s[k].errors} errors/non-2xx${row.auth === 'each' ? `; ${meta.tokens}` : ''}`
      const runs = rs[k]
      out.push(
        { key: `peer_${row.key}_${k}_rps`, figure: `${what}, req/s`, unit: 'req/s', median: s[k].rps, runs: runs.map((r) => r.rps), note, ownTable: true },
        { key: `peer_${row.key}_${k}_latency`, figure: `${what}, latency`, unit: 'ms', median: s[k].p50, p99: s[k].p99, runs: runs.map((r) => r.p99), note, ownTable: true },
        { key: `peer_${row.key}_${k}_cpu_us_per_req`, figure: `${what}, server CPU per request`, unit: 'µs', median: s[k].cpu, runs: runs.map((r) => r.cpuUsPerReq ?? NaN), note, ownTable: true },
      )
    }
    for (const k of OURS) {
      const vs = `${NAMES[k]} / starter kit, ${row.label}`
      out.push(
        { key: `peer_${row.key}_${k}_vs_kit_rps`, figure: `${vs}, req/s ratio`, unit: '×', median: s[k].rps / s.kit.rps, note: 'medians over the rounds; above 1: ours answers more', ownTable: true },
        { key: `peer_${row.key}_${k}_vs_kit_cpu`, figure: `${vs}, CPU per request ratio`, unit: '×', median: s[k].cpu / s.kit.cpu, note: 'medians over the rounds; below 1: ours spends less', ownTable: true },
      )
    }
  }
  return out
}

const n = (v: number, digits = 0) => (Number.isFinite(v) ? v.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–')
const x = (v: number) => (!Number.isFinite(v) ? '–' : v >= 10 ? `${n(v)}×` : `${n(v, v >= 1 ? 1 : 2)}×`)

/** One line per row: each server's req/s · p99 · CPU per request, then ours/kit for req/s and CPU. */
export function peerTable(rows: readonly PeerRow[], results: PeerResults, meta: PeerMeta): string {
  const head = ['request (50 connections, limit 50)', ...SERVERS.map((k) => `${NAMES[k]}: req/s · p99 · CPU/req`), ...OURS.map((k) => `${k === 'ours_cached' ? 'cache on' : 'cache off'} / kit: req/s, CPU`)]
  const lines = rows.map((row) => {
    const rs = results.get(row.key)!
    const s = Object.fromEntries(SERVERS.map((k) => [k, summary(rs[k])])) as Record<ServerKey, Summary>
    const unchecked = row.auth !== 'none' && !meta.kitVerifies
    const cell = (k: ServerKey) => `${n(s[k].rps)} · ${n(s[k].p99, 1)} ms · ${n(s[k].cpu)} µs${s[k].errors ? ` (${s[k].errors} error${s[k].errors === 1 ? '' : 's'})` : ''}${k === 'kit' && unchecked ? ' (token unchecked)' : ''}`
    return [row.label, ...SERVERS.map(cell), ...OURS.map((k) => `${x(s[k].rps / s.kit.rps)}, ${x(s[k].cpu / s.kit.cpu)}`)]
  })
  const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const fmt = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`
  return [
    `Side by side with the starter kit (${meta.kit}); medians of ${meta.rounds} interleaved runs of ${meta.seconds} s each, ${meta.how}; ${meta.tokens}${meta.kitVerifies ? '' : '; the kit as shipped does not check tokens'}`,
    fmt(head),
    fmt(w.map((k) => '-'.repeat(k))),
    ...lines.map(fmt),
  ].join('\n')
}
