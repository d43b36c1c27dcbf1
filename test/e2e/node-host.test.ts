import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { NSID } from '../../src/core/nsid.js'
import type { RepoEvent } from '../../src/core/events.js'
import { actionEvent, community, configEvent, del, isoUs, membershipEvent, postEvent, postUri, tick, toJetstream } from '../support/events.js'
import { FakeJetstream } from '../support/fake-jetstream.js'
import { NodeHost } from '../support/node-process.js'

const alice = 'did:plc:alice'
const bob = 'did:plc:bob'
const carol = 'did:plc:carol'
const dave = 'did:plc:dave'
const mallory = 'did:plc:mallory'
const A = community(alice, '3jzfcijpj2z2a')
const feedPath = (id: string, extra = '') => `/xrpc/app.bsky.feed.getFeedSkeleton?feed=${encodeURIComponent(`at://did:plc:publisher/app.bsky.feed.generator/${id}`)}${extra}`

const dirs: string[] = []
const hosts: NodeHost[] = []
let jetstream: FakeJetstream
beforeAll(async () => {
  jetstream = await FakeJetstream.start()
})
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop('SIGKILL')))
})
afterAll(async () => {
  await jetstream.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'atrarium-e2e-'))
  dirs.push(d)
  return d
}

async function startHost(dir: string, server = jetstream): Promise<NodeHost> {
  const host = await NodeHost.start({ ATRARIUM_DATA_DIR: dir, ATRARIUM_JETSTREAM_URL: server.url, ATRARIUM_HOSTNAME: 'feeds.example.com' })
  hosts.push(host)
  return host
}

const send = (server: FakeJetstream, events: RepoEvent[]) => {
  for (const e of events) server.publish(toJetstream(e))
  return events[events.length - 1]!.timeUs
}

async function feed(host: NodeHost, id: string): Promise<string[]> {
  const out: string[] = []
  let cursor = ''
  for (let i = 0; i < 100; i++) {
    const r = await host.get(feedPath(id, `&limit=2${cursor ? `&cursor=${cursor}` : ''}`))
    expect(r.status).toBe(200)
    out.push(...r.body.feed.map((f: { post: string }) => f.post))
    if (!r.body.cursor) return out
    cursor = r.body.cursor
  }
  throw new Error('feed did not end')
}

describe('Node host end to end: npm start against a local Jetstream', () => {
  it('plays a scripted sequence with malformed frames mixed in and serves SPEC-exact skeletons', async () => {
    const before = jetstream.connections.length
    const host = await startHost(dataDir())
    const conn = await jetstream.connected(before + 1)
    expect(conn.url.searchParams.getAll('wantedCollections').sort()).toEqual([NSID.post, NSID.config, NSID.membership, NSID.action].sort())
    expect(conn.cursor).toBeUndefined()

    const script: (RepoEvent | string)[] = [
      membershipEvent(bob, 'm1', A), // before its config: kept, applies later (SPEC §6)
      configEvent(A, { moderators: [dave] }),
      'this is not json #atrarium_',
      membershipEvent(mallory, 'm2', A, { role: 'moderator' }),
      JSON.stringify({ did: bob, time_us: 'soon', kind: 'commit', commit: { collection: NSID.post } }) + ' atrarium_',
      postEvent(bob, 'p1', `hello ${A.hashtag}!`),
      postEvent(carol, 'p2', `not a member ${A.hashtag}`),
      postEvent(bob, 'p3', 'tag only in tags', { tags: [A.tag] }),
      postEvent(bob, 'p4', `runs on ${A.hashtag}x`),
      postEvent(bob, 'p-hidden', `to hide ${A.hashtag}`),
      actionEvent(dave, 'a1', A, 'hide_post', postUri(bob, 'p-hidden'), isoUs(tick())),
      actionEvent(mallory, 'a2', A, 'hide_post', postUri(bob, 'p1'), isoUs(tick())),
      `{"did":"${bob}","time_us":1,"kind":"commit","commit":"net.atrarium.garbage"}`,
      postEvent(bob, 'p5', `edit me ${A.hashtag}`),
      postEvent(bob, 'p5', 'edited: tag removed', {}, 'update'),
      postEvent(mallory, 'p6', `mallory posts ${A.hashtag}`),
      actionEvent(dave, 'a3', A, 'block_user', mallory, '2026-11-01T00:00:00.000Z'),
      postEvent(bob, 'p7', `to delete ${A.hashtag}`),
      del(bob, NSID.post, 'p7'),
      postEvent(bob, 'p8', `future ${A.hashtag}`, { createdAt: '2099-01-01T00:00:00.000Z' }),
      postEvent(bob, 'p9', `last ${A.hashtag}`),
    ]
    for (const item of script) {
      if (typeof item === 'string') jetstream.publish(item)
      else jetstream.publish(toJetstream(item))
    }
    const last = script[script.length - 1] as RepoEvent
    await host.caughtUp(last.timeUs)

    expect(await feed(host, A.id)).toEqual([postUri(bob, 'p9'), postUri(bob, 'p8'), postUri(bob, 'p3'), postUri(bob, 'p1')])
    expect((await host.get(feedPath('ffffffff'))).body.error).toBe('UnknownFeed')
    expect((await host.get(feedPath(A.id, '&limit=0'))).body.error).toBe('InvalidRequest')
    expect((await host.get('/xrpc/app.bsky.feed.describeFeedGenerator')).body).toEqual({
      did: 'did:web:feeds.example.com',
      feeds: [{ uri: `at://${alice}/app.bsky.feed.generator/${A.id}` }],
    })
    const health = await host.health()
    expect(health.ingest.malformed).toBe(3)

    // Unblock mallory and withdraw the hide: both come back at once, from the index.
    const tail = [actionEvent(dave, 'a4', A, 'unblock_user', mallory, '2026-11-01T00:00:01.000Z'), del(dave, NSID.action, 'a1')]
    await host.caughtUp(send(jetstream, tail))
    expect(await feed(host, A.id)).toEqual([postUri(bob, 'p9'), postUri(bob, 'p8'), postUri(mallory, 'p6'), postUri(bob, 'p-hidden'), postUri(bob, 'p3'), postUri(bob, 'p1')])
    await host.stop('SIGTERM')
    expect(host.stoppedCleanly).toBe(true)
  })

  it('SIGTERM then start again: keeps the index, resumes from the saved cursor minus the rewind, repeats nothing', async () => {
    const server = await FakeJetstream.start()
    try {
      const dir = dataDir()
      const first = await startHost(dir, server)
      await server.connected(1)
      const B = community(alice, '3jzfcijpj2z2c')
      const posts = Array.from({ length: 30 }, (_, i) => postEvent(bob, `r${i}`, `post ${i} ${B.hashtag}`))
      const lastTime = send(server, [configEvent(B), membershipEvent(bob, 'm1', B), ...posts])
      await first.caughtUp(lastTime)
      const saved = (await first.health()).cursor!
      await first.stop('SIGTERM')
      expect(first.stoppedCleanly).toBe(true)
      expect(first.lines.join('\n')).toMatch(/shutting down/)

      const second = await startHost(dir, server)
      const resumed = await server.connected(2)
      expect(resumed.cursor).toBe(saved - 5_000_000)
      const more = postEvent(bob, 'after', `after restart ${B.hashtag}`)
      await second.caughtUp(send(server, [more]))
      const uris = await feed(second, B.id)
      expect(uris).toHaveLength(31)
      expect(new Set(uris).size).toBe(31)
      expect(uris[0]).toBe(postUri(bob, 'after'))
    } finally {
      await server.close()
    }
  })

  it('SIGKILL in the middle of a stream: every event at or before the saved cursor is in the index', async () => {
    const server = await FakeJetstream.start()
    try {
      const dir = dataDir()
      const host = await startHost(dir, server)
      await server.connected(1)
      const C = community(alice, '3jzfcijpj2z2d')
      send(server, [configEvent(C), membershipEvent(bob, 'm1', C)])
      const sent: RepoEvent[] = []
      let stop = false
      // Stream until killed, in bounded chunks, never more than 40k events.
      const streaming = (async () => {
        for (let chunk = 0; chunk < 200 && !stop; chunk++) {
          const events = Array.from({ length: 200 }, (_, i) => postEvent(bob, `k${chunk}-${i}`, `${C.hashtag} ${chunk}/${i}`))
          sent.push(...events)
          send(server, events)
          await new Promise((r) => setTimeout(r, 10)) // pacing, so the kill lands mid-stream
        }
      })()
      await host.waitFor(async () => ((await host.health()).cursor ?? 0) >= (sent[1000]?.timeUs ?? Infinity), 20_000, 'partial progress')
      await host.stop('SIGKILL')
      stop = true
      await streaming

      const db = new Database(join(dir, 'atrarium.sqlite'), { readonly: true })
      try {
        const cursor = (db.prepare("SELECT cursor FROM cursors WHERE source = 'jetstream'").get() as { cursor: number }).cursor
        const indexed = new Set((db.prepare('SELECT uri FROM posts').all() as { uri: string }[]).map((r) => r.uri))
        const due = sent.filter((e) => e.timeUs <= cursor)
        expect(due.length).toBeGreaterThan(1000)
        expect(sent.length).toBeGreaterThan(due.length) // the kill landed mid-stream
        expect(due.filter((e) => !indexed.has(postUri(e.did, e.rkey)))).toEqual([])
      } finally {
        db.close()
      }
    } finally {
      await server.close()
    }
  })
})
