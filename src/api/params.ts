import { InvalidRequestError } from './xrpc-error.js'

const DEFAULT_LIMIT = 50
const MAX_LIMIT = 100

/** `limit`: an integer 1–100, 50 when absent, for every paginated query. */
export function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT
  const n = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN
  if (!(n >= 1 && n <= MAX_LIMIT)) throw new InvalidRequestError(`limit must be an integer from 1 to ${MAX_LIMIT}`)
  return n
}

export function requireParam(value: string | undefined, name: string): string {
  if (!value) throw new InvalidRequestError(`${name} is required`)
  return value
}

/** An optional parameter as a spreadable object, so absent stays absent under exactOptionalPropertyTypes. */
export const optional = <K extends string>(name: K, value: string | undefined): { [P in K]?: string } =>
  (value === undefined ? {} : { [name]: value }) as { [P in K]?: string }
