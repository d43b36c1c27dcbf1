/**
 * Where the side-by-side bench reads each feed: the cursors each server itself hands out. Ours are
 * collected by paging our feed from its first page (their format is ours to change, so never built
 * by hand); the kit's are its documented format (whats-alf.ts: the page's last indexedAt in ms),
 * computed from the rows we loaded into it and checked against paging the kit.
 */
import { kitCursor } from './starter-kit.js'

export interface Page {
  cursor?: string | undefined
  feed: readonly unknown[]
}

export interface Walked {
  /** Posts above each cursor: the cursor after `position` posts continues at post `position + 1`. */
  position: number
  cursor: string
}

/**
 * Pages through a feed `limit` at a time from the top, at most `maxPages` pages, and returns the
 * cursor after each page. Stops at a page without a cursor or without posts.
 */
export async function walkCursors(page: (cursor: string | undefined) => Page | Promise<Page>, limit: number, maxPages: number): Promise<Walked[]> {
  const out: Walked[] = []
  let cursor: string | undefined
  let position = 0
  for (let i = 0; i < maxPages; i++) {
    const p = await page(cursor)
    if (p.feed.length === 0 || p.cursor === undefined) break
    if (p.feed.length > limit) throw new Error(`a page of ${p.feed.length} posts, above the limit ${limit}`)
    position += p.feed.length
    cursor = p.cursor
    out.push({ position, cursor })
  }
  return out
}

/**
 * `count` positions spread evenly through a feed of `total` posts: multiples of `unit` (the page
 * size the feed was walked with), each with at least one post below it. Fewer when the feed is short.
 */
export function spreadPositions(total: number, count: number, unit: number): number[] {
  const step = unit * Math.max(1, Math.floor(total / count / unit))
  const out: number[] = []
  for (let p = step; p < total && out.length < count; p += step) out.push(p)
  return out
}

/** The cursors of `walked` at `positions`, in that order; a position the walk did not reach throws. */
export function cursorsAt(walked: readonly Walked[], positions: readonly number[]): string[] {
  const byPosition = new Map(walked.map((w) => [w.position, w.cursor]))
  return positions.map((p) => {
    const c = byPosition.get(p)
    if (c === undefined) throw new Error(`no cursor after ${p} posts (walked ${walked.at(-1)?.position ?? 0})`)
    return c
  })
}

/**
 * The kit's cursor after `position` posts of its feed, from its rows' `indexedAt` oldest first (all
 * distinct milliseconds, or its `<` cursor would skip posts): the `position`-th newest post's.
 */
export function kitCursorsAt(indexedAtOldestFirst: readonly string[], positions: readonly number[]): string[] {
  const n = indexedAtOldestFirst.length
  return positions.map((p) => {
    const at = indexedAtOldestFirst[n - p]
    if (p < 1 || at === undefined) throw new Error(`no post ${p} from the top in ${n}`)
    return kitCursor(at)
  })
}
