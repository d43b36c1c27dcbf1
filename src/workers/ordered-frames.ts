import type { CommitVerdict } from '../core/commit-verifier.js'
import type { Logger } from '../core/logger.js'

/**
 * The receiver's frames, handed on strictly in arrival order while some wait for the commit
 * verifier: a frame behind one being verified, even one stage 1 dropped, waits too, since handing it
 * on first would move the cursor past a commit not yet sent. Verifications run one at a time, so a
 * key rotation (`#identity`) applies exactly from its frame on, as on the Node host. With nothing
 * waiting a frame is handed on at once.
 */
export class OrderedFrames<Raw> {
  #tail: Promise<void> | undefined
  #waiting = 0
  #epoch = 0

  constructor(
    private readonly deliver: (raw: Raw, passed: boolean, verdict: CommitVerdict | undefined) => void,
    private readonly log: Logger,
  ) {}

  /** Frames waiting for a verification before (or of) their own. */
  get waiting(): number {
    return this.#waiting
  }

  push(raw: Raw, passed: boolean, verify?: () => Promise<CommitVerdict>): void {
    if (!verify && this.#tail === undefined) return this.deliver(raw, passed, undefined)
    const epoch = this.#epoch
    this.#waiting++
    const tail = (this.#tail ?? Promise.resolve())
      .then(async () => {
        const verdict = verify ? await verify() : undefined
        if (epoch === this.#epoch) this.deliver(raw, passed, verdict)
      })
      .catch((err: unknown) => this.log.error({ err }, 'frame not handed on'))
      .finally(() => {
        this.#waiting--
        if (this.#tail === tail) this.#tail = undefined
      })
    this.#tail = tail
  }

  /** Forgets the frames still waiting: the socket was dropped, and the replay from the saved cursor brings them again. */
  reset(): void {
    this.#epoch++
  }
}
