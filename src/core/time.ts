import { isValidDatetime } from '@atproto/syntax'

/**
 * An atproto datetime as epoch microseconds, or undefined when it is not a valid datetime.
 * Microseconds keep Jetstream's `time_us` precision when the two are compared (SPEC §4).
 */
export function datetimeToUs(value: unknown): number | undefined {
  if (typeof value !== 'string' || !isValidDatetime(value)) return undefined
  const ms = Date.parse(value)
  if (!Number.isFinite(ms)) return undefined
  // Date.parse drops sub-millisecond digits; keep them so ordering matches the string.
  const frac = /\.(\d+)/.exec(value)?.[1] ?? ''
  const extraUs = frac.length > 3 ? Number(frac.slice(3, 6).padEnd(3, '0')) : 0
  return ms * 1000 + extraUs
}

export const US_PER_DAY = 86_400_000_000

/**
 * A time clamped into [0, MAX_SAFE_INTEGER]: a record may claim the year 0001 or 9999, and a time
 * outside the safe range would compare wrongly and break every cursor carrying it (SPEC §5).
 */
export const clampUs = (us: number): number =>
  Number.isNaN(us) ? 0 : Math.min(Math.max(Math.trunc(us), 0), Number.MAX_SAFE_INTEGER)
