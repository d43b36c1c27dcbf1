import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { peekSeq } from '../../src/core/firehose-prefilter.js'
import { FakeJetstream } from '../support/fake-jetstream.js'
import { FakeRelay } from '../support/fake-relay.js'
import { relayFrames } from '../support/firehose-frames.js'
import { NodeHost } from '../support/node-process.js'

const cleanups: (() => Promise<unknown> | void)[] = []
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('Node host end to end: npm start with ATRARIUM_FIREHOSE_URL', () => {
  it('follows the relay instead of Jetstream, saves its seq, and resumes from it after SIGTERM', async () => {
    const relay = await FakeRelay.start()
    const jetstream = await FakeJetstream.start()
    const dir = mkdtempSync(join(tmpdir(), 'atrarium-e2e-fh-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => relay.close(), () => jetstream.close())
    const env = { ATRARIUM_DATA_DIR: dir, ATRARIUM_FIREHOSE_URL: relay.url, ATRARIUM_JETSTREAM_URL: jetstream.url }
    const frames = relayFrames()
    const lastSeq = peekSeq(frames[frames.length - 1]!)!

    const first = await NodeHost.start(env)
    cleanups.push(() => first.stop('SIGKILL'))
    const conn = await relay.connection(1)
    expect(conn.url.pathname).toBe('/xrpc/com.atproto.sync.subscribeRepos')
    expect(conn.cursor).toBeNull()
    for (const f of frames) conn.ws.send(f)
    await first.caughtUp(lastSeq)
    // Only the window's #account frame passes stage 1 (SPEC §4): nothing else names a community. Its
    // #identity frame passes too, as commits are verified: it tells the verifier a key may have changed.
    expect((await first.health()).ingest).toMatchObject({ frames: frames.length, passed: 2, malformed: 0, verified: 0, rejected: { signature: 0, proof: 0, key: 0 } })
    await first.stop('SIGTERM')
    expect(first.stoppedCleanly).toBe(true)

    const second = await NodeHost.start(env)
    cleanups.push(() => second.stop('SIGKILL'))
    expect((await relay.connection(2)).cursor).toBe(String(lastSeq))
    expect((await second.health()).cursor).toBe(lastSeq)
    expect(jetstream.connections).toEqual([])
  })
})
