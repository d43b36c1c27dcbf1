/** Shared helpers for the benchmarks: percentiles, timing, result records. */
import { cpus } from 'node:os'

export interface Figure {
  /** Short key in latest.json. */
  key: string
  /** What is measured, as printed in the table. */
  figure: string
  unit: string
  /** Median over runs (or the single measured value). */
  median: number
  /** p99 where the figure is a latency distribution, else undefined. */
  p99?: number
  /** The per-run values the median was taken over. */
  runs?: number[]
  target?: { op: '>=' | '<='; value: number; label: string }
  note?: string
  /** Printed in its benchmark's own table (the side-by-side one), not in the main table; still in latest.json. */
  ownTable?: boolean
}

export const percentile = (xs: readonly number[], p: number): number => {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))
  return s[i]!
}
export const median = (xs: readonly number[]): number => percentile(xs, 50)

/** Times `fn` `n` times (after `warm` unrecorded calls); milliseconds per call. */
export function sampleMs(fn: () => unknown, n: number, warm = Math.min(200, n)): number[] {
  for (let i = 0; i < warm; i++) fn()
  const out = new Array<number>(n)
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    fn()
    out[i] = performance.now() - t
  }
  return out
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Bounded wait: resolves when `cond` holds, throws after `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 60_000, stepMs = 2): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(stepMs)
  }
}

export const machine = () => ({ cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, platform: `${process.platform} ${process.arch}` })

export const ratio = (f: Figure): number | undefined => {
  if (!f.target) return undefined
  const v = f.target.label.includes('p99') && f.p99 !== undefined ? f.p99 : f.median
  return f.target.op === '>=' ? v / f.target.value : f.target.value / v
}

/** Value the target is judged on: p99 when the target names p99, else the median. */
export const judged = (f: Figure): number => (f.target?.label.includes('p99') && f.p99 !== undefined ? f.p99 : f.median)

export const log = (...a: unknown[]) => console.error('[bench]', ...a)
