/**
 * Helpers for the ingest tests: every wait is driven by an event and capped by a timeout,
 * so a regression fails fast with a label instead of hanging or racing a sleep.
 */
export const DEFAULT_WAIT_MS = 5_000

export function withTimeout<T>(p: Promise<T>, label: string, ms = DEFAULT_WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${label}`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}

export interface Deferred<T> {
  promise: Promise<T>
  resolve: (value: T) => void
  reject: (err: unknown) => void
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (err: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Append-only record of things that happened, awaitable by count. */
export class Inbox<T> {
  readonly items: T[] = []
  #waiters: { n: number; resolve: () => void }[] = []

  push = (item: T): void => {
    this.items.push(item)
    this.#waiters = this.#waiters.filter((w) => {
      if (this.items.length < w.n) return true
      w.resolve()
      return false
    })
  }

  get length(): number {
    return this.items.length
  }

  /** Resolves with all items once at least n have arrived. */
  async atLeast(n: number, label: string, ms = DEFAULT_WAIT_MS): Promise<T[]> {
    if (this.items.length < n) {
      const reached = new Promise<void>((resolve) => this.#waiters.push({ n, resolve }))
      await withTimeout(reached, `${label} (${n} wanted, have ${this.items.length})`, ms)
    }
    return this.items
  }
}

/** Waits for a condition owned by another party (a socket, a process), checking on a short tick. */
export async function until(check: () => boolean, label: string, ms = DEFAULT_WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${label}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}
