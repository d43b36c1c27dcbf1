import { parseOpaqueJson, toBase64Url } from './base64url.js'
import { err, ok, type Result } from './result.js'

const MAX_CURSOR_LENGTH = 2048

/** What each read query pages by; the kind travels in the cursor so one query's cursor fails in another. */
export const PAGE_KEYS = {
  communities: ['string', 'string'],
  members: ['string'],
  actions: ['number', 'string'],
  posts: ['number', 'string'],
} as const

export type PageKind = keyof typeof PAGE_KEYS
type KeyTypes<T extends readonly string[]> = { -readonly [I in keyof T]: T[I] extends 'number' ? number : string }
type KeyOf<K extends PageKind> = KeyTypes<(typeof PAGE_KEYS)[K]>

/** Opaque to clients: base64url of `[kind, ...key]`, where key is the last item's sort key. */
export function encodePageCursor<K extends PageKind>(kind: K, key: KeyOf<K>): string {
  return toBase64Url(JSON.stringify([kind, ...(key as readonly unknown[])]))
}

export function decodePageCursor<K extends PageKind>(kind: K, cursor: string): Result<KeyOf<K>> {
  const bad = err('malformed cursor')
  const raw = parseOpaqueJson(cursor, MAX_CURSOR_LENGTH)
  const types = PAGE_KEYS[kind]
  if (!Array.isArray(raw) || raw.length !== types.length + 1 || raw[0] !== kind) return bad
  const key = raw.slice(1)
  const fits = types.every((t, i) => (t === 'number' ? Number.isSafeInteger(key[i]) : typeof key[i] === 'string' && key[i].length > 0))
  return fits ? ok(key as KeyOf<K>) : bad
}
