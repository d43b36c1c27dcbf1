import { utf8ByteLength } from './queue-limits.js'

/** Host and path only: credentials and tokens can live in userinfo or the query string. */
export const safeUrl = (url: string): string => {
  const u = new URL(url)
  return `${u.protocol}//${u.host}${u.pathname}`
}

/** workerd opens client WebSockets with an HTTP(S) request carrying `Upgrade`; fetch('ws://…') fails. */
export function toUpgradeUrl(url: string): string {
  const u = new URL(url)
  if (u.protocol === 'ws:') u.protocol = 'http:'
  else if (u.protocol === 'wss:') u.protocol = 'https:'
  return u.toString()
}

/** Opens and accepts an outbound WebSocket; rejects when the server does not upgrade. */
export async function openWebSocket(url: string, timeoutMs: number): Promise<WebSocket> {
  const resp = await fetch(toUpgradeUrl(url), {
    headers: { Upgrade: 'websocket' },
    signal: AbortSignal.timeout(timeoutMs),
  })
  const ws = resp.webSocket
  if (!ws) {
    await resp.body?.cancel()
    throw new Error(`websocket upgrade refused: HTTP ${resp.status}`)
  }
  ws.accept()
  // Binary frames (a firehose's) as ArrayBuffers, read synchronously; the standard default is Blob.
  ;(ws as { binaryType?: string }).binaryType = 'arraybuffer'
  return ws
}

const decoder = new TextDecoder()

/**
 * A frame as text, or undefined when it is over `maxBytes`; the size is judged without parsing, and
 * in most cases without counting bytes (UTF-16 length bounds UTF-8 length from below, 3× from above).
 */
export function frameText(data: string | ArrayBuffer, maxBytes: number): string | undefined {
  if (typeof data !== 'string') return data.byteLength > maxBytes ? undefined : decoder.decode(data)
  if (data.length > maxBytes) return undefined
  if (data.length * 3 <= maxBytes) return data
  return utf8ByteLength(data) > maxBytes ? undefined : data
}

const encoder = new TextEncoder()

/** A binary frame as bytes (a text frame is not a firehose frame: its bytes go to stage 1 all the same). */
export function frameBytes(data: string | ArrayBuffer, maxBytes: number): Uint8Array | undefined {
  const bytes = typeof data === 'string' ? encoder.encode(data) : new Uint8Array(data)
  return bytes.byteLength > maxBytes ? undefined : bytes
}

export interface FrameSocketHandlers {
  /** A frame within the size limit: text, or with `binary` the bytes (a firehose's CBOR frames). */
  onFrame(raw: string | Uint8Array): void
  onOversized(): void
  /** The socket closed or failed, other than by close(); called at most once. */
  onEnd(detail: { code?: number; reason?: string; error?: string }): void
}

/** An accepted outbound WebSocket reduced to what the receiver needs: sized text frames and liveness. */
export class FrameSocket {
  /** Date.now() of the last frame (or of opening); workerd cannot ping, so traffic is the only sign of life. */
  lastLife = Date.now()
  #ended = false

  private constructor(
    private readonly ws: WebSocket,
    maxBytes: number,
    binary: boolean,
    h: FrameSocketHandlers,
  ) {
    ws.addEventListener('message', (e) => {
      if (this.#ended) return
      this.lastLife = Date.now()
      const raw = binary ? frameBytes(e.data, maxBytes) : frameText(e.data, maxBytes)
      if (raw === undefined) h.onOversized()
      else h.onFrame(raw)
    })
    const end = (detail: Parameters<FrameSocketHandlers['onEnd']>[0]): void => {
      if (this.#ended) return
      this.#ended = true
      h.onEnd(detail)
    }
    ws.addEventListener('close', (e) => end({ code: e.code, reason: e.reason }))
    ws.addEventListener('error', (e) => end({ error: String(e.message) }))
  }

  static async open(url: string, o: { timeoutMs: number; maxBytes: number; binary?: boolean }, h: FrameSocketHandlers): Promise<FrameSocket> {
    return new FrameSocket(await openWebSocket(url, o.timeoutMs), o.maxBytes, o.binary ?? false, h)
  }

  close(): void {
    this.#ended = true
    try {
      this.ws.close(1000)
    } catch {
      // already closing or closed
    }
  }
}
