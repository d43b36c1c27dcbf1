/** A stream may be down this long (reconnects, a relay's restart) before health fails on it. */
export const DOWN_GRACE_MS = 60_000

/**
 * Why a host is not healthy, if it is not: the stream down for longer than a reconnect takes, or its
 * lag above `maxLagS`. An empty list is healthy.
 */
export function healthProblems(stream: { connected: boolean; downForMs?: number; lagSeconds?: number }, maxLagS: number): string[] {
  const problems: string[] = []
  if (!stream.connected && (stream.downForMs ?? 0) > DOWN_GRACE_MS) problems.push(`stream down for ${Math.round((stream.downForMs ?? 0) / 1000)} s`)
  if (stream.lagSeconds !== undefined && stream.lagSeconds > maxLagS) problems.push(`stream lag ${stream.lagSeconds} s is above ${maxLagS} s`)
  return problems
}
