import { passesPrefilter, trackedAuthor } from '../core/prefilter.js'

/**
 * Stage 1 with the candidate-author set, as the Node pipeline does it: a post delete or update
 * passes only for an author whose posts may be indexed. The set grows when a passing post frame is
 * seen, before the consumer has indexed it, so a delete racing its create is not lost.
 * `onPostAuthor` is told of every passing post frame so the owner can persist (and date) the author.
 * Account status frames always pass (the core prefilter lets them through, SPEC §4).
 */
export class StageOneFilter {
  readonly #authors: Set<string>

  constructor(
    seed: Iterable<string>,
    private readonly onPostAuthor: (did: string, timeUs: number | undefined) => void = () => {},
  ) {
    this.#authors = new Set(seed)
  }

  get authorCount(): number {
    return this.#authors.size
  }

  passes(raw: string, timeUs?: number): boolean {
    if (!passesPrefilter(raw, (did) => this.#authors.has(did))) return false
    const did = trackedAuthor(raw)
    if (did) {
      this.#authors.add(did)
      this.onPostAuthor(did, timeUs)
    }
    return true
  }
}
