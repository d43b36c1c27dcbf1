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

/** How many entries one source may give a page per entry asked for (SPEC §7, bounded work). */
export const MAX_ROWS_PER_ENTRY = 10

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
  // One row past the page: whether there is `more` is then known from the same read, instead of
  // a second query per source once a single-source page has drained its buffer.
  const chunk = Math.max(limit + 1, 16)
  const lanes: Lane[] = []
  for (const s of SOURCES) {
    const source = sources[s]
    if (shares[s] > 0 && source !== undefined) lanes.push(new Lane(s, shares[s], source, chunk))
  }

  // Bounded work (SPEC §7): a lane gives at most this many entries to one page, repeats included,
  // whatever the cursor says. A page that cannot be filled within it is returned short, and its
  // cursor goes on from where it stopped.
  const budget = MAX_ROWS_PER_ENTRY * limit
  let stopped = false
  const entries: FeedEntry[] = []
  while (entries.length < limit) {
    const k = state.k + 1
    let best: Lane | undefined
    let bestOwed = 0
    for (const lane of lanes) {
      if (lane.head(state.pos[lane.name]) === undefined) continue
      // Owed, scaled by 100 to stay in integers: k·share − 100·taken.
      const owed = k * lane.share - 100 * state.taken[lane.name]
      if (best === undefined || owed > bestOwed) {
        best = lane
        bestOwed = owed
      }
    }
    if (best === undefined) break
    if (best.given >= budget) {
      stopped = true
      break
    }
    const entry = best.take()
    state.pos[best.name] = entry
    if (passedElsewhere(sources, state.pos, best.name, entry)) continue
    entries.push(entry)
    state.taken[best.name]++
    state.k = k
  }
  return { entries, state, more: stopped || lanes.some((lane) => lane.head(state.pos[lane.name]) !== undefined) }
}

/**
 * A source as the interleave reads it: what the last read gave and how far into it the page is.
 * (A class with an index rather than closures and Array#shift: this runs for every entry of
 * every page.)
 */
class Lane {
  #buf: FeedEntry[] = []
  #at = 0
  #exhausted = false
  /** Entries taken from this lane in this page, repeats included. */
  given = 0

  constructor(
    readonly name: SourceName,
    readonly share: number,
    private readonly source: FeedSource,
    private readonly chunk: number,
  ) {}

  /** The next entry, reading after `pos` (where this source stands) once the buffer is spent. */
  head(pos: FeedEntry | undefined): FeedEntry | undefined {
    if (this.#at === this.#buf.length) {
      if (this.#exhausted) return undefined
      this.#buf = this.source.read(pos, this.chunk)
      this.#at = 0
      if (this.#buf.length < this.chunk) this.#exhausted = true
    }
    return this.#buf[this.#at]
  }

  /** Consumes the entry `head` returned. */
  take(): FeedEntry {
    this.given++
    return this.#buf[this.#at++]!
  }
}

/** A source other than `s` has already passed `e` and holds it: `e` would be a repeat. */
function passedElsewhere(sources: Partial<Record<SourceName, FeedSource>>, pos: MixState['pos'], s: SourceName, e: FeedEntry): boolean {
  for (const t of SOURCES) {
    const p = pos[t]
    if (t !== s && p !== undefined && atOrAbove(e, p) && sources[t]?.holds(e.uri)) return true
  }
  return false
}
