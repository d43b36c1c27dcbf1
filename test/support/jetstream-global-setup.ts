import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestProject } from 'vitest/node'
import { P256PrivateKeyExportable } from '@atcute/crypto'
import { FakeJetstream } from './fake-jetstream.js'
import { FakePds } from './fake-pds.js'
import { FakeRelay } from './fake-relay.js'
import { commitFrame } from './commit-frames.js'
import { flipSignatureByte, foreignRecord, SignedRepo } from './signed-repo.js'
import type { RecordEvent } from '../../src/core/events.js'
import { didDocument, FakePlc } from './fake-plc.js'
import { bob, mod, owner } from './read-scenario.js'

declare module 'vitest' {
  export interface ProvidedContext {
    jetstreamUrl: string
    jetstreamControlUrl: string
    /** A fake relay's subscribeRepos (test/support/fake-relay.ts). */
    relayUrl: string
    plcUrl: string
    /** Raw P-256 private keys (hex) of the read scenario's DIDs, whose documents the fake PLC serves. */
    plcKeys: Record<string, string>
  }
}

const MAX_BODY_BYTES = 8 * 1024 * 1024

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new Error('control request body too large')
    parts.push(chunk)
  }
  return Buffer.concat(parts).toString('utf8')
}

/**
 * workerd cannot listen, so the workers project's fake Jetstream runs here, in Node, for the whole
 * run. Tests reach it through a control endpoint on 127.0.0.1:
 *   POST /publish  {"frames":[{"raw":"…","timeUs":1}]}  sends each frame to every client, keeps it for replay
 *   POST /drop     terminates every client connection (a server-side disconnect)
 *   GET  /connections  [{"url":"…","cursor":n|null}] in connection order
 *   POST /pds/repo {"did","records":[{"uri","value"}]}  the fake PDS's repo, and a DID document naming it
 *   POST /pds/hold, /pds/release {"did"}  holds the repo's listings until released
 *   GET  /pds/requested  repos listed so far
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const fake = await FakeJetstream.start()
  const control = createServer((req: IncomingMessage, res: ServerResponse) => {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    }
    void (async () => {
      if (req.method === 'POST' && req.url === '/publish') {
        const { frames } = JSON.parse(await readBody(req)) as { frames: { raw: string; timeUs: number }[] }
        for (const f of frames) fake.publish(f.raw, f.timeUs)
        return reply(200, { published: frames.length, clients: fake.clients.size })
      }
      if (req.method === 'POST' && req.url === '/drop') {
        const n = fake.clients.size
        for (const ws of fake.clients) ws.terminate()
        return reply(200, { dropped: n })
      }
      // The fake PDS (join backfill): {did, records} sets a repo and its DID document; hold/release gate it.
      if (req.method === 'POST' && req.url === '/pds/repo') {
        const { did, records } = JSON.parse(await readBody(req)) as { did: string; records: { uri: string; value: unknown }[] }
        pds.repos.set(did, records)
        plc.docs.set(did, pds.didDocument(did))
        return reply(200, { did })
      }
      if (req.method === 'POST' && (req.url === '/pds/hold' || req.url === '/pds/release')) {
        const { did } = JSON.parse(await readBody(req)) as { did: string }
        if (req.url === '/pds/hold') pds.hold(did)
        else pds.release(did)
        return reply(200, { did })
      }
      if (req.method === 'GET' && req.url === '/pds/requested') return reply(200, pds.requested)
      // The fake relay: {commits: [{seq, events}]} sends each as a #commit frame to every connection.
      if (req.method === 'POST' && req.url === '/relay/commits') {
        const { commits } = JSON.parse(await readBody(req)) as { commits: { seq: number; events: RecordEvent[] }[] }
        const clients = [...relay.connections.items]
        for (const c of commits) for (const conn of clients) if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(commitFrame(c.seq, c.events))
        return reply(200, { sent: commits.length, clients: clients.length })
      }
      // The same, as real signed commits of real repos whose documents the PLC serves (a repo per DID,
      // kept across requests); `tamper` makes one a forgery: a flipped signature byte, or an op naming
      // a record the MST does not hold (its block in the CAR).
      if (req.method === 'POST' && req.url === '/relay/signed') {
        const { commits } = JSON.parse(await readBody(req)) as { commits: { seq: number; events: RecordEvent[]; tamper?: 'signature' | 'op' }[] }
        const frames = []
        for (const c of commits) frames.push(await signedCommitFrame(c.seq, c.events, c.tamper))
        const clients = [...relay.connections.items]
        for (const f of frames) for (const conn of clients) if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(f)
        return reply(200, { sent: commits.length, clients: clients.length })
      }
      if (req.method === 'GET' && req.url === '/relay/connections') {
        return reply(200, relay.connections.items.map((c) => ({ url: c.url.toString(), cursor: c.cursor })))
      }
      if (req.method === 'GET' && req.url === '/connections') {
        return reply(200, fake.connections.map((c) => ({ url: c.url.toString(), cursor: c.cursor ?? null })))
      }
      reply(404, { error: 'not found' })
    })().catch((err: unknown) => reply(500, { error: String(err) }))
  })
  await new Promise<void>((resolve, reject) => control.once('error', reject).listen(0, '127.0.0.1', resolve))
  // workerd cannot listen either: the fake PLC that requesters' service JWTs resolve through runs here too.
  const plc = await FakePlc.start()
  const pds = await FakePds.start()
  const relay = await FakeRelay.start()
  // The stream generator's DIDs (test/support/stream-generator.ts) have empty repos on the fake PDS,
  // so the join backfills a generated stream starts finish as they would on the network.
  plc.fallback = (did) => (did.startsWith(`did:plc:${'a'.repeat(15)}`) ? pds.didDocument(did) : undefined)
  const plcKeys: Record<string, string> = {}
  for (const did of [owner, mod, bob]) {
    const key = await P256PrivateKeyExportable.createKeypair()
    plc.docs.set(did, await didDocument(did, { atproto: key }))
    plcKeys[did] = await key.exportPrivateKey('rawHex')
  }
  const repos = new Map<string, SignedRepo>()
  async function signedCommitFrame(seq: number, events: RecordEvent[], tamper?: 'signature' | 'op'): Promise<Uint8Array> {
    const did = events[0]!.did
    let repo = repos.get(did)
    if (!repo) {
      repo = await SignedRepo.create(did)
      repos.set(did, repo)
      plc.docs.set(did, repo.didDocument())
    }
    const writes = events.map((e) => ({ action: e.op, collection: e.collection, rkey: e.rkey, ...(e.op !== 'delete' ? { record: e.record as Record<string, unknown> } : {}) }))
    const forged = foreignRecord({ $type: events[0]!.collection, text: 'forged', createdAt: new Date().toISOString() })
    return repo.commit(seq, writes, tamper === 'signature' ? { commit: flipSignatureByte } : tamper === 'op' ? { ops: (ops) => ops.map((o) => ({ ...o, cid: forged.cid.link })), blocks: [forged] } : {})
  }
  project.provide('plcUrl', plc.url)
  project.provide('plcKeys', plcKeys)
  project.provide('jetstreamUrl', fake.url)
  project.provide('relayUrl', relay.url)
  project.provide('jetstreamControlUrl', `http://127.0.0.1:${(control.address() as AddressInfo).port}`)
  return async () => {
    control.closeAllConnections()
    await new Promise<void>((resolve) => control.close(() => resolve()))
    await fake.close()
    await plc.close()
    await pds.close()
    await relay.close()
  }
}
