import { BytesWrapper, CidLinkWrapper } from '@atcute/cbor'

/**
 * A decoded DAG-CBOR value in atproto-JSON form (CID links as `{$link}`, bytes as `{$bytes}`), so a
 * record from the firehose is shaped exactly like Jetstream's `commit.record`.
 */
export function toAtprotoJson(value: unknown, depth = 0): unknown {
  if (depth > 128) throw new RangeError('record nested too deeply')
  if (value instanceof CidLinkWrapper) return { $link: value.$link }
  if (value instanceof BytesWrapper) return { $bytes: value.$bytes }
  if (Array.isArray(value)) return value.map((v) => toAtprotoJson(v, depth + 1))
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = toAtprotoJson(v, depth + 1)
    return out
  }
  return value
}
