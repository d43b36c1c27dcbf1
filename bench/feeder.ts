/**
 * Child process: a local Jetstream-like ws server on 127.0.0.1 fed by the deterministic generator.
 * It sends the setup frames (configs, memberships) on connect, then, on the parent's 'go', the
 * timed frames as fast as the client reads them (backpressure on bufferedAmount). A separate
 * process so the ingest process's cpuUsage is its own.
 */
import { WebSocketServer } from 'ws'
import { createStream } from '../test/support/stream-generator.js'

const opts = JSON.parse(process.argv[2] ?? '{}') as { frames: number; postsOnly?: boolean; seed?: number; communities?: number }
const gen = createStream({ seed: opts.seed ?? 7, communities: opts.communities ?? 1000, postsOnly: opts.postsOnly, communityShare: opts.postsOnly ? 1 : undefined })
const setup = gen.setup()
const frames = Array.from({ length: opts.frames }, () => gen.next().raw)
const bytes = frames.reduce((n, f) => n + f.length, 0)

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
wss.on('listening', () => {
  const addr = wss.address() as { port: number }
  process.send!({ type: 'ready', port: addr.port, setup: setup.length, frames: frames.length, bytes })
})
wss.on('connection', (ws) => {
  for (const f of setup) ws.send(f)
  process.on('message', async (m: { type: string }) => {
    if (m.type !== 'go') return
    const HIGH = 4 * 1024 * 1024
    for (let i = 0; i < frames.length; ) {
      while (i < frames.length && ws.bufferedAmount < HIGH) ws.send(frames[i++]!)
      await new Promise((r) => setImmediate(r))
    }
    process.send!({ type: 'sent' })
  })
})
process.on('disconnect', () => {
  wss.close()
  process.exit(0)
})
