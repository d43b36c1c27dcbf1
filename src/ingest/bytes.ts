/**
 * Bytes as the stream sources need them, on Node (Buffers, whose native methods are fastest) and on
 * Workers (plain Uint8Arrays) alike.
 */
const nodeBuffer = (globalThis as { Buffer?: { isBuffer(v: unknown): boolean } }).Buffer
const decoder = new TextDecoder()

/** Whether `data` is a Node Buffer, whose native methods are faster than the portable ones. */
export const isNodeBuffer = (data: Uint8Array): boolean => nodeBuffer?.isBuffer(data) === true

export const utf8Text = (data: Uint8Array): string =>
  isNodeBuffer(data) ? (data as unknown as { toString(encoding: string): string }).toString('utf8') : decoder.decode(data)

export const hexOf = (data: Uint8Array): string => Array.from(data, (b) => b.toString(16).padStart(2, '0')).join('')
