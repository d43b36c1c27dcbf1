/**
 * Child process: a local Jetstream-like ws server on 127.0.0.1 fed by the deterministic generator.
 * It sends the setup frames (configs, memberships) on connect, then, on the parent's 'go', the
 * timed frames as fast as the client reads them (TCP backpressure). A separate process so the
 * ingest process's cpuUsage is its own.
 *
 * The timed frames are encoded as WebSocket text frames before 'ready' and written to the TCP
 * socket in large chunks: a ws.send per frame costs the feeder more CPU than the whole ingest
 * pipeline spends on a dropped frame, and on two cores that made the feeder the bottleneck. The
 * client side is untouched: the same ws client reads the same frames off the wire.
 */
import { createServer } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { createStream } from '../test/support/stream-generator.js'

const opts = JSON.parse(process.argv[2] ?? '{}') as { frames: number; postsOnly?: boolean; seed?: number; communities?: number }
const gen = createStream({ seed: opts.seed ?? 7, communities: opts.communities ?? 1000, postsOnly: opts.postsOnly, communityShare: opts.postsOnly ? 1 : undefined })
const setup = gen.setup()
const CHUNK_BYTES = 1 << 20

/** Unmasked, unfragmented text frames (RFC 6455 §5.2), as a server sends them, packed into chunks. */
function encodeFrames(count: number): { chunks: Buffer[]; bytes: number } {
  const chunks: Buffer[] = []
  let parts: Buffer[] = []
  let size = 0
  let bytes = 0
  for (let i = 0; i < count; i++) {
    const payload = Buffer.from(gen.next().raw)
    const n = payload.length
    const header = n < 126 ? Buffer.from([0x81, n]) : n < 65536 ? Buffer.from([0x81, 126, n >> 8, n & 0xff]) : Buffer.concat([Buffer.from([0x81, 127]), bigLength(n)])
    parts.push(header, payload)
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

const { chunks, bytes } = encodeFrames(opts.frames)

// The upgrade is left to ws; keeping the raw socket lets the timed frames bypass ws.send.
const http = createServer()
const wss = new WebSocketServer({ noServer: true })
http.on('upgrade', (req, socket: Duplex, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    for (const f of setup) ws.send(f)
    process.on('message', async (m: { type: string }) => {
      if (m.type !== 'go') return
      // ws writes whole frames and the chunks hold whole frames, so a pong ws sends in between
      // cannot split one.
      for (const chunk of chunks) {
        if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r))
      }
      process.send!({ type: 'sent' })
    })
  })
})
http.listen(0, '127.0.0.1', () => {
  const addr = http.address() as { port: number }
  process.send!({ type: 'ready', port: addr.port, setup: setup.length, frames: opts.frames, bytes })
})
process.on('disconnect', () => {
  wss.close()
  http.close()
  process.exit(0)
})
