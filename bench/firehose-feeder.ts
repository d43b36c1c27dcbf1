/**
 * Child process of the verified-ingest benchmark: a subscribeRepos server and a PLC on 127.0.0.1
 * (one port), both from files the parent wrote; binary frames, otherwise as feeder.ts. The PLC
 * answers the verifier's key lookups from here, so their cost is not counted in the ingest process.
 */
import { readFileSync } from 'node:fs'
import { readFrames } from '../test/support/firehose-frames.js'
import { encodeFrames, serveFeeder } from './feeder-server.js'

const opts = JSON.parse(process.argv[2] ?? '{}') as { setup: string; timed: string; docs: string }
const timed = readFrames(new URL(`file://${opts.timed}`))
const docs = JSON.parse(readFileSync(opts.docs, 'utf8')) as Record<string, object>
const { chunks } = encodeFrames(timed, 2)
serveFeeder({
  setup: readFrames(new URL(`file://${opts.setup}`)),
  chunks,
  ready: { frames: timed.length },
  onRequest: (req, res) => {
    const doc = docs[decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1))]
    res.writeHead(doc ? 200 : 404, { 'content-type': 'application/json' })
    res.end(JSON.stringify(doc ?? { message: 'DID not registered' }))
  },
})
