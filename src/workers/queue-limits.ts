/**
 * Cloudflare Queues limits as the producer must respect them. The platform counts decimal kilobytes
 * (miniflare checks 128 * 1000), and each message carries some metadata, so a margin is reserved
 * per message rather than filling the limits to the byte.
 */
export const QUEUE_MAX_MESSAGE_BYTES = 128_000
export const SEND_BATCH_MAX_MESSAGES = 100
export const SEND_BATCH_MAX_BYTES = 256_000
export const PER_MESSAGE_OVERHEAD_BYTES = 100

/** UTF-8 length without allocating: a lone surrogate counts as the 3-byte U+FFFD it encodes to. */
export function utf8ByteLength(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4
      i++
    } else n += 3
  }
  return n
}

/** Whether one body fits in a queue message. */
export function fitsQueueMessage(bytes: number): boolean {
  return bytes + PER_MESSAGE_OVERHEAD_BYTES <= QUEUE_MAX_MESSAGE_BYTES
}

/**
 * Splits bodies, in order, into sendBatch calls of at most 100 messages and 256 KB. Every body must
 * already fit a single message, so each chunk holds at least one and the loop always advances.
 */
export function chunkForSendBatch(bodies: readonly { body: string; bytes: number }[]): string[][] {
  const chunks: string[][] = []
  let chunk: string[] = []
  let size = 0
  for (const { body, bytes } of bodies) {
    const cost = bytes + PER_MESSAGE_OVERHEAD_BYTES
    if (chunk.length > 0 && (chunk.length >= SEND_BATCH_MAX_MESSAGES || size + cost > SEND_BATCH_MAX_BYTES)) {
      chunks.push(chunk)
      chunk = []
      size = 0
    }
    chunk.push(body)
    size += cost
  }
  if (chunk.length > 0) chunks.push(chunk)
  return chunks
}

/**
 * A queue operation is billed per 64 KB of a message: a message of frames is filled up to that and
 * no further, so each costs one write, one read and one delete.
 */
export const MESSAGE_TARGET_BYTES = 64_000 - PER_MESSAGE_OVERHEAD_BYTES

/**
 * Packs frames, in order, into queue messages: each a JSON array of frames of at most
 * MESSAGE_TARGET_BYTES. A frame too big to share one is a message of its own, as it is (a Jetstream
 * frame is a JSON object, so it cannot be mistaken for an array).
 */
export function packFrames(frames: readonly { body: string; bytes: number }[]): { body: string; bytes: number }[] {
  const out: { body: string; bytes: number }[] = []
  let batch: string[] = []
  let size = 2
  const flush = () => {
    if (batch.length === 0) return
    const body = JSON.stringify(batch)
    out.push({ body, bytes: utf8ByteLength(body) })
    batch = []
    size = 2
  }
  for (const f of frames) {
    // JSON escapes a frame's quotes and backslashes: measure what the array will hold.
    const cost = utf8ByteLength(JSON.stringify(f.body)) + 1
    if (cost + 2 > MESSAGE_TARGET_BYTES) {
      // Too big to share a message: sent as it is, which escaping could push past the limit.
      flush()
      out.push(f)
      continue
    }
    if (batch.length > 0 && size + cost > MESSAGE_TARGET_BYTES) flush()
    batch.push(f.body)
    size += cost
  }
  flush()
  return out
}

/** The frames of one queue message: a packed array, or a single frame (what older receivers sent). */
export function unpackMessage(body: string): string[] {
  if (!body.startsWith('[')) return [body]
  const frames: unknown = JSON.parse(body)
  if (!Array.isArray(frames) || !frames.every((f) => typeof f === 'string')) throw new Error('a queue message is not an array of frames')
  return frames as string[]
}
