export interface Progress {
  start(total: number, done: number): void
  tick(failed: boolean): void
  note(message: string): void
  finish(): void
}

const BAR_WIDTH = 30
const PLAIN_EVERY_MS = 1000

/** A redrawn bar on a terminal; otherwise a plain line at most once a second, for logs. */
export function createProgress(stream: NodeJS.WritableStream & { isTTY?: boolean }, quiet = false): Progress {
  let total = 0
  let done = 0
  let failed = 0
  let lastLine = 0
  const tty = stream.isTTY === true
  const status = () => `${done}/${total} repos${failed > 0 ? `, ${failed} failed` : ''}`
  const draw = (force: boolean) => {
    if (quiet) return
    if (tty) {
      const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH)
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${status()}`)
    } else if (force || Date.now() - lastLine >= PLAIN_EVERY_MS) {
      lastLine = Date.now()
      stream.write(`backfill: ${status()}\n`)
    }
  }
  return {
    start(t, d) {
      total = t
      done = d
      draw(true)
    },
    tick(f) {
      done++
      if (f) failed++
      draw(false)
    },
    note(message) {
      if (quiet) return
      stream.write(`${tty ? '\r\x1b[K' : ''}backfill: ${message}\n`)
      if (tty && total > 0) draw(true)
    },
    finish() {
      draw(true)
      if (tty && !quiet) stream.write('\n')
    },
  }
}
