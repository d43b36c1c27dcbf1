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
import { createStream } from '../test/support/stream-generator.js'
import { encodeFrames, serveFeeder } from './feeder-server.js'

const opts = JSON.parse(process.argv[2] ?? '{}') as { frames: number; postsOnly?: boolean; seed?: number; communities?: number }
const gen = createStream({ seed: opts.seed ?? 7, communities: opts.communities ?? 1000, postsOnly: opts.postsOnly, communityShare: opts.postsOnly ? 1 : undefined })
const setup = gen.setup()

function* timed(): Generator<Uint8Array> {
  for (let i = 0; i < opts.frames; i++) yield Buffer.from(gen.next().raw)
}
const { chunks, bytes } = encodeFrames(timed(), 1)
serveFeeder({ setup, chunks, ready: { frames: opts.frames, bytes } })
