import { err, ok, type Result } from './result.js'

/** A position in a feed: the last post served, by (sort time, URI) (SPEC §4). */
export interface FeedPosition {
  sortUs: number
  uri: string
}

const MAX_CURSOR_LENGTH = 2048

function toBase64Url(s: string): string {
  const bytes = new TextEncoder().encode(s)
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function fromBase64Url(s: string): string | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return undefined
  try {
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'))
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0))
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  } catch {
    return undefined
  }
}

/** Opaque to clients: a version tag lets the format change without misreading old cursors. */
export function encodeFeedCursor(pos: FeedPosition): string {
  return toBase64Url(`1|${pos.sortUs}|${pos.uri}`)
}

export function decodeFeedCursor(cursor: string): Result<FeedPosition> {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) return err('malformed cursor')
  const text = fromBase64Url(cursor)
  const m = text === undefined ? null : /^1\|(\d{1,16})\|(at:\/\/\S+)$/.exec(text)
  if (!m) return err('malformed cursor')
  const sortUs = Number(m[1])
  if (!Number.isSafeInteger(sortUs)) return err('malformed cursor')
  return ok({ sortUs, uri: m[2]! })
}
