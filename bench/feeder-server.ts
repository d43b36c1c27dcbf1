/**
 * The feeders' shared server (child processes, 127.0.0.1): a ws endpoint that sends the setup frames
 * on connect and, on the parent's 'go', writes the timed frames, pre-encoded into large chunks
 * (see feeder.ts), then tells the parent 'sent'. `onRequest` answers plain HTTP on the same port.
 */
import { createServer, type RequestListener } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'

const CHUNK_BYTES = 1 << 20

/** Unmasked, unfragmented frames (RFC 6455 §5.2) as a server sends them, packed into ~1 MiB chunks; opcode 1 text, 2 binary. */
export function encodeFrames(payloads: Iterable<Uint8Array>, opcode: 1 | 2): { chunks: Buffer[]; bytes: number } {
  const chunks: Buffer[] = []
  let parts: Buffer[] = []
  let size = 0
  let bytes = 0
  for (const payload of payloads) {
    const n = payload.length
    const first = 0x80 | opcode
    const header = n < 126 ? Buffer.from([first, n]) : n < 65536 ? Buffer.from([first, 126, n >> 8, n & 0xff]) : Buffer.concat([Buffer.from([first, 127]), bigLength(n)])
    parts.push(header, Buffer.from(payload.buffer, payload.byteOffset, n))
    size += header.length + n
    bytes += n
    if (size >= CHUNK_BYTES) {
      chunks.push(Buffer.concat(parts, size))
      parts = []
      size = 0
    }
  }
  if (size > 0) chunks.push(Buffer.concat(parts, size))
  return { chunks, bytes }
}

function bigLength(n: number): Buffer {
  const b = Buffer.alloc(8)
  b.writeBigUInt64BE(BigInt(n))
  return b
}

export function serveFeeder(opts: { setup: readonly (string | Uint8Array)[]; chunks: readonly Buffer[]; ready: Record<string, unknown>; onRequest?: RequestListener }): void {
  const http = createServer(opts.onRequest)
  const wss = new WebSocketServer({ noServer: true })
  // The upgrade is left to ws; keeping the raw socket lets the timed frames bypass ws.send.
  http.on('upgrade', (req, socket: Duplex, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      for (const f of opts.setup) ws.send(f)
      process.on('message', async (m: { type: string }) => {
        if (m.type !== 'go') return
        // ws writes whole frames and the chunks hold whole frames, so a pong ws sends in between
        // cannot split one.
        for (const chunk of opts.chunks) {
          if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r))
        }
        process.send!({ type: 'sent' })
      })
    })
  })
  http.listen(0, '127.0.0.1', () => {
    const addr = http.address() as { port: number }
    process.send!({ type: 'ready', port: addr.port, setup: opts.setup.length, ...opts.ready })
  })
  process.on('disconnect', () => {
    wss.close()
    http.close()
    process.exit(0)
  })
}
