import { SOURCES, type FeedEntry, type MixState } from './feed-mix.js'
import { parseOpaqueJson, toBase64Url } from './base64url.js'
import { err, ok, type Result } from './result.js'

/** A position in a feed: the last post a source gave, by (sort time, URI) (SPEC §4). */
export type FeedPosition = FeedEntry

const MAX_CURSOR_LENGTH = 4096
const VERSION = 2

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
const isPosition = (p: unknown): p is [number, string] =>
  Array.isArray(p) && p.length === 2 && isCount(p[0]) && typeof p[1] === 'string' && p[1].startsWith('at://')

/**
 * Opaque to clients. It carries the whole mix state (SPEC §7): position k, what each source gave
 * and how far each read, so every page continues exactly where the last one stopped.
 */
export function encodeFeedCursor(state: MixState): string {
  const pos: Record<string, [number, string]> = {}
  for (const s of SOURCES) {
    const p = state.pos[s]
    if (p) pos[s] = [p.sortUs, p.uri]
  }
  return toBase64Url(JSON.stringify({ v: VERSION, k: state.k, t: SOURCES.map((s) => state.taken[s]), p: pos }))
}

export function decodeFeedCursor(cursor: string): Result<MixState> {
  const bad = err('malformed cursor')
  const raw = parseOpaqueJson(cursor, MAX_CURSOR_LENGTH)
  if (typeof raw !== 'object' || raw === null) return bad
  const { v, k, t, p } = raw as Record<string, unknown>
  if (v !== VERSION || !isCount(k) || !Array.isArray(t) || t.length !== 3 || !t.every(isCount)) return bad
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return bad
  const [own, parent, global] = t as [number, number, number]
  const state: MixState = { k, taken: { own, parent, global }, pos: {} }
  for (const [name, value] of Object.entries(p)) {
    if (!(SOURCES as readonly string[]).includes(name) || !isPosition(value)) return bad
    state.pos[name as (typeof SOURCES)[number]] = { sortUs: value[0], uri: value[1] }
  }
  return ok(state)
}
