/**
 * How far the stream has been read: the highest cursor among the frames seen. Reading a frame's
 * cursor costs about a third of stage 1 (Jetstream's time_us is text), and most frames are
 * dropped, so a dropped frame is only remembered; its cursor is read when the watermark is asked
 * for. Only the latest dropped frame is read then, so the watermark can stay below a higher
 * time_us that arrived earlier (Jetstream's are not monotonic by a few ms); a lower watermark
 * only means a longer replay, and the resume rewinds 5 s anyway.
 */
export class Watermark<Raw> {
  #value: number | undefined
  #unread: Raw | undefined

  constructor(private readonly cursorOf: (raw: Raw) => number | undefined) {}

  /** A frame that needs nothing more than counting past. */
  skip(raw: Raw): void {
    this.#unread = raw
  }

  /** The watermark including `raw`, a frame that goes on to be processed. */
  through(raw: Raw): number | undefined {
    this.#unread = raw
    return this.current()
  }

  current(): number | undefined {
    if (this.#unread !== undefined) {
      const c = this.cursorOf(this.#unread)
      this.#unread = undefined
      if (c !== undefined && (this.#value === undefined || c > this.#value)) this.#value = c
    }
    return this.#value
  }

  /** Back to `value`, forgetting frames seen since: what was read past it is to be read again. */
  rewind(value: number | undefined): void {
    this.#value = value
    this.#unread = undefined
  }

  /** Forgets everything: the stream starts over from no cursor. */
  reset(): void {
    this.#value = undefined
    this.#unread = undefined
  }
}
