import type { Skeleton } from './feed-service.js'

export interface SkeletonCacheOptions {
  /** Pages kept at most; 0 keeps none. */
  maxEntries: number
  /**
   * How far the retention horizon may move before a page is computed again. A page is otherwise
   * exact until the index changes, but posts also leave it by age: with 1 s, a post can be shown
   * up to 1 s past its seventh day. Default 1 s.
   */
  maxHorizonDriftUs?: number
}

const DEFAULT_HORIZON_DRIFT_US = 1_000_000

interface Entry {
  skeleton: Skeleton
  minSortUs: number
}

/**
 * Feed pages as computed, kept until the index changes. Every reader opening a community asks for
 * the same first page (and, scrolling, the same next ones: cursors are deterministic), so the
 * answer is computed once per change of the index rather than once per request. Exactness comes
 * from the store's index version: any write empties the cache. Bounded, least recently used first.
 */
export class SkeletonCache {
  /** Pages answered from the cache, and computed; for the metrics. */
  readonly stats = { hits: 0, misses: 0 }
  readonly #entries = new Map<string, Entry>()
  #version: number | undefined
  readonly #maxEntries: number
  readonly #maxDriftUs: number

  constructor(opts: SkeletonCacheOptions) {
    this.#maxEntries = opts.maxEntries
    this.#maxDriftUs = opts.maxHorizonDriftUs ?? DEFAULT_HORIZON_DRIFT_US
  }

  get size(): number {
    return this.#entries.size
  }

  get(key: string, version: number, minSortUs: number): Skeleton | undefined {
    this.#at(version)
    const entry = this.#entries.get(key)
    if (entry && Math.abs(minSortUs - entry.minSortUs) > this.#maxDriftUs) this.#entries.delete(key)
    else if (entry) {
      this.stats.hits++
      this.#put(key, entry)
      return entry.skeleton
    }
    this.stats.misses++
    return undefined
  }

  /** Keeps a page computed at `version`; it is frozen, as every later request shares it. */
  set(key: string, version: number, minSortUs: number, skeleton: Skeleton): Skeleton {
    const frozen = freezeSkeleton(skeleton)
    if (this.#maxEntries <= 0) return frozen
    this.#at(version)
    this.#put(key, { skeleton: frozen, minSortUs })
    if (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!)
    return frozen
  }

  /** Pages of an older index version are never exact again: all go when the version moves. */
  #at(version: number): void {
    if (version === this.#version) return
    this.#entries.clear()
    this.#version = version
  }

  /** (Re)inserted last, so that the Map's order is least recently used first. */
  #put(key: string, entry: Entry): void {
    this.#entries.delete(key)
    this.#entries.set(key, entry)
  }
}

/** Freezes a page for sharing: a frozen page is one many requests get, and its body is written once. */
export function freezeSkeleton(s: Skeleton): Skeleton {
  for (const item of s.feed) Object.freeze(item)
  Object.freeze(s.feed)
  return Object.freeze(s)
}
