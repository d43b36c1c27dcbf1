export interface BackoffOptions {
  baseMs: number
  maxMs: number
}

/**
 * Delay before retry number `attempt` (0-based): exponential with "equal jitter", i.e. between half
 * and all of the ceiling. Jitter keeps clients dropped by one outage from retrying in lockstep; the
 * floor keeps a failing endpoint from being hammered in a tight loop.
 */
export function backoffDelayMs(attempt: number, o: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(o.maxMs, o.baseMs * 2 ** Math.min(Math.max(0, attempt), 30))
  return Math.floor(ceiling / 2 + (random() * ceiling) / 2)
}
