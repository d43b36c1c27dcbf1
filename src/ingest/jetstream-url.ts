/**
 * Jetstream subscribe URL. The client owns wantedCollections, maxMessageSizeBytes and cursor, so
 * values for those in the configured URL are replaced; any other params (e.g. requireHello) are kept.
 */
export const DEFAULT_MAX_MESSAGE_SIZE_BYTES = 1024 * 1024
export const DEFAULT_REWIND_US = 5_000_000

export interface JetstreamUrlOptions {
  /** Subscribe endpoint, e.g. wss://jetstream2.us-east.bsky.network/subscribe */
  url: string
  wantedCollections: readonly string[]
  /** Default 5_000_000 (5 s). */
  rewindUs?: number
  /** Default 1 MiB. */
  maxMessageSizeBytes?: number
}

export function buildUrl(opts: JetstreamUrlOptions, cursor?: number): string {
  const u = new URL(opts.url)
  for (const key of ['wantedCollections', 'maxMessageSizeBytes', 'cursor']) u.searchParams.delete(key)
  for (const c of opts.wantedCollections) u.searchParams.append('wantedCollections', c)
  // Asking Jetstream for our own limit means a frame we would drop should never be sent at all.
  u.searchParams.set('maxMessageSizeBytes', String(opts.maxMessageSizeBytes ?? DEFAULT_MAX_MESSAGE_SIZE_BYTES))
  // Rewinding re-reads a few seconds we may already have: the consumer is idempotent, gaps are not.
  // No positive cursor means no durable position yet, so Jetstream's live tail (no param) is right.
  if (cursor !== undefined && Number.isFinite(cursor) && cursor > 0) {
    u.searchParams.set('cursor', String(Math.max(0, Math.floor(cursor - (opts.rewindUs ?? DEFAULT_REWIND_US)))))
  }
  return u.toString()
}
