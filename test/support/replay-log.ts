/**
 * The frames a fake stream server has published, each at its position (Jetstream's time_us, a
 * relay's seq), so a client that connects with a cursor is sent what it asks for, as the real
 * services do. Long runs (the soak) trim it; a cursor older than what is kept is recorded rather
 * than answered with a silent gap, so the run can fail on it.
 */
export class ReplayLog<Raw> {
  private frames: { raw: Raw; pos: number }[] = []
  private start = 0
  private trimmedThrough: number | undefined
  /** Cursors asked for that fell before the trimmed part of the log. */
  readonly tooOld: number[] = []

  constructor(
    /** Jetstream replays from its cursor inclusive; subscribeRepos sends what follows the seq. */
    private readonly inclusive: boolean,
  ) {}

  push(raw: Raw, pos: number): void {
    this.frames.push({ raw, pos })
  }

  get size(): number {
    return this.frames.length - this.start
  }

  /** The frames a client asking for `cursor` is owed, in order. */
  *from(cursor: number): Generator<Raw> {
    if (this.trimmedThrough !== undefined && (this.inclusive ? cursor <= this.trimmedThrough : cursor < this.trimmedThrough)) this.tooOld.push(cursor)
    for (let i = this.start; i < this.frames.length; i++) {
      const f = this.frames[i]!
      if (this.inclusive ? f.pos >= cursor : f.pos > cursor) yield f.raw
    }
  }

  /** Forgets frames before `pos`; the array is compacted once the dead prefix is half of it. */
  trimBefore(pos: number): void {
    while (this.start < this.frames.length && this.frames[this.start]!.pos < pos) this.trimmedThrough = this.frames[this.start++]!.pos
    if (this.start > 1024 && this.start * 2 > this.frames.length) {
      this.frames = this.frames.slice(this.start)
      this.start = 0
    }
  }
}
