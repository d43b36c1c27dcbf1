import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NSID } from '../../src/core/nsid.js'
import { community, postUri } from '../support/events.js'
import { FakePlc } from '../support/fake-plc.js'
import { FakeRelay } from '../support/fake-relay.js'
import { NodeHost } from '../support/node-process.js'
import { readFeed } from '../support/scenario.js'
import { flipSignatureByte, foreignRecord, SignedRepo } from '../support/signed-repo.js'

const cleanups: (() => Promise<unknown> | void)[] = []
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const OWNER = 'did:plc:verifyowneraaaaaaaaaaaaa'
const MEMBER = 'did:plc:verifymemberaaaaaaaaaaaa'
const c = community(OWNER, '3kverifycomm2')
const createdAt = () => new Date().toISOString()
const post = (rkey: string, text: string) => ({ action: 'create' as const, collection: NSID.post, rkey, record: { text: `${text} ${c.hashtag}`, createdAt: createdAt() } })

let plc: FakePlc
let frames: Uint8Array[]
beforeAll(async () => {
  plc = await FakePlc.start()
  cleanups.push(() => plc.close())
  const owner = await SignedRepo.create(OWNER)
  const member = await SignedRepo.create(MEMBER, { records: 100 })
  plc.docs.set(OWNER, owner.didDocument())
  plc.docs.set(MEMBER, member.didDocument())
  const forged = foreignRecord({ $type: NSID.post, text: `forged ${c.hashtag}`, createdAt: createdAt() })
  frames = [
    await owner.commit(1, [{ action: 'create', collection: NSID.config, rkey: c.rkey, record: { name: 'Verified', hashtag: c.hashtag, stage: 'theme', moderators: [], createdAt: createdAt() } }]),
    await member.commit(2, [{ action: 'create', collection: NSID.membership, rkey: '3kverifymemb2', record: { community: c.uri, role: 'member', joinedAt: createdAt(), active: true } }]),
    await member.commit(3, [post('3kgoodpost222', 'good')]),
    // Signed, then one signature byte flipped (the commit's CID follows, so only the signature is wrong).
    await member.commit(4, [post('3kbadsigpost2', 'bad signature')], { commit: flipSignatureByte }),
    // A real signed commit of one post whose op names another record, carried in the CAR.
    await member.commit(5, [post('3kforgedpost2', 'real')], { ops: (ops) => ops.map((o) => ({ ...o, cid: forged.cid.link })), blocks: [forged] }),
  ]
})

async function run(env: Record<string, string>) {
  const relay = await FakeRelay.start()
  const dir = mkdtempSync(join(tmpdir(), 'atrarium-e2e-verify-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => relay.close())
  const host = await NodeHost.start({ ATRARIUM_DATA_DIR: dir, ATRARIUM_FIREHOSE_URL: relay.url, ATRARIUM_PLC_URL: plc.url, ...env })
  cleanups.push(() => host.stop('SIGKILL'))
  const conn = await relay.connection(1)
  for (const f of frames) conn.ws.send(f)
  await host.caughtUp(frames.length)
  return host
}

describe('Node host end to end: verified firehose (ATRARIUM_VERIFY_COMMITS)', () => {
  it('indexes the signed commits and refuses a bad signature and a forged op, counting them', async () => {
    const host = await run({})
    expect(await readFeed((p) => host.get(p), c.id)).toEqual([postUri(MEMBER, '3kgoodpost222')])
    const health = (await host.health()) as unknown as { cursor: number; ingest: { verified: number; rejected: Record<string, number> } }
    expect(health.cursor).toBe(5)
    expect(health.ingest).toMatchObject({ verified: 3, rejected: { signature: 1, proof: 1, key: 0 } })
    const metrics = await (await fetch(`${host.base}/metrics`)).text()
    for (const line of ['atrarium_commits_verified_total 3', 'atrarium_commits_rejected_total{reason="signature"} 1', 'atrarium_commits_rejected_total{reason="proof"} 1']) {
      expect(metrics).toContain(line)
    }
    expect(host.lines.filter((l) => l.includes('commit refused')).map((l) => JSON.parse(l).reason).sort()).toEqual(['proof', 'signature'])
  })

  it('with ATRARIUM_VERIFY_COMMITS=false indexes the same frames unchecked, forgeries included (so the refusals above were the verifier)', async () => {
    const host = await run({ ATRARIUM_VERIFY_COMMITS: 'false' })
    const feed = await readFeed((p) => host.get(p), c.id)
    expect(feed.sort()).toEqual([postUri(MEMBER, '3kbadsigpost2'), postUri(MEMBER, '3kforgedpost2'), postUri(MEMBER, '3kgoodpost222')].sort())
    expect((await host.health()).ingest).toMatchObject({ verified: 0, rejected: { signature: 0, proof: 0, key: 0 } })
  })
})
