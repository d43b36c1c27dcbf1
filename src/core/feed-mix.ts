import type { FeedMix } from './records.js'

/** The three sources of a community's feed (SPEC §7), in tie-break order. */
export const SOURCES = ['own', 'parent', 'global'] as const
export type SourceName = (typeof SOURCES)[number]

export interface FeedEntry {
  uri: string
  sortUs: number
}

/** One source, read in feed order: sort time descending, then URI descending. */
export interface FeedSource {
  /** Up to `n` entries strictly after `after` (or from the top). */
  read(after: FeedEntry | undefined, n: number): FeedEntry[]
  /** Whether this source holds the post, for the once-only rule. */
  holds(uri: string): boolean
}

/** Where the mix stands: position k, and per source how many it gave and how far it read. */
export interface MixState {
  k: number
  taken: Record<SourceName, number>
  pos: Partial<Record<SourceName, FeedEntry>>
}

export const initialMixState = (): MixState => ({ k: 0, taken: { own: 0, parent: 0, global: 0 }, pos: {} })

/** Feed order (SPEC §4): negative when a comes first, i.e. is newer, or as new with a larger URI. */
export const compareFeedOrder = (a: FeedEntry, b: FeedEntry): number =>
  b.sortUs - a.sortUs || (a.uri < b.uri ? 1 : a.uri > b.uri ? -1 : 0)

/** a is at or above b in feed order. */
const atOrAbove = (a: FeedEntry, b: FeedEntry): boolean => compareFeedOrder(a, b) <= 0

/**
 * One page of the interleave. Before position k, source s is owed k·share/100 − taken; the
 * most-owed source with posts left gives the next post, ties going own, parent, global. A post a
 * source has already passed is a repeat: skipped, and not counted as taken. The state carries
 * everything, so pages concatenate to exactly the sequence of one large page.
 */
export function mixPage(
  shares: FeedMix,
  sources: Partial<Record<SourceName, FeedSource>>,
  start: MixState,
  limit: number,
): { entries: FeedEntry[]; state: MixState; more: boolean } {
  const state: MixState = { k: start.k, taken: { ...start.taken }, pos: { ...start.pos } }
  const buffers: Partial<Record<SourceName, FeedEntry[]>> = {}
  const exhausted = new Set<SourceName>()
  // One row past the page: whether there is `more` is then known from the same read, instead of
  // a second query per source once a single-source page has drained its buffer.
  const chunk = Math.max(limit + 1, 16)

  const head = (s: SourceName): FeedEntry | undefined => {
    let buf = buffers[s]
    if (!buf || buf.length === 0) {
      if (exhausted.has(s)) return undefined
      buf = buffers[s] = sources[s]!.read(state.pos[s], chunk)
      if (buf.length < chunk) exhausted.add(s)
    }
    return buf[0]
  }
  const live = SOURCES.filter((s) => shares[s] > 0 && sources[s] !== undefined)
  const passedElsewhere = (s: SourceName, e: FeedEntry) =>
    SOURCES.some((t) => t !== s && state.pos[t] !== undefined && atOrAbove(e, state.pos[t]!) && sources[t]?.holds(e.uri))

  const entries: FeedEntry[] = []
  // Every step consumes one entry from some source, so the loop ends; the bound is a backstop.
  for (let guard = 0; entries.length < limit && guard < 1_000_000; guard++) {
    const k = state.k + 1
    let best: SourceName | undefined
    for (const s of live) {
      if (head(s) === undefined) continue
      // Owed, scaled by 100 to stay in integers: k·share − 100·taken.
      if (best === undefined || k * shares[s] - 100 * state.taken[s] > k * shares[best] - 100 * state.taken[best]) best = s
    }
    if (best === undefined) break
    const entry = buffers[best]!.shift()!
    state.pos[best] = entry
    if (passedElsewhere(best, entry)) continue
    entries.push(entry)
    state.taken[best]++
    state.k = k
  }
  return { entries, state, more: live.some((s) => head(s) !== undefined) }
}
