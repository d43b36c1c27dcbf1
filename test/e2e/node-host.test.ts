import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { NSID } from '../../src/core/nsid.js'
import type { RepoEvent, RepoWrite } from '../../src/core/events.js'
import { accountEvent, community, configEvent, membershipEvent, postEvent, postUri, toJetstream } from '../support/events.js'
import { A, alice, bob, expected, feedPath, MALFORMED_FRAMES, readFeed, scenario } from '../support/scenario.js'
import { FakeJetstream } from '../support/fake-jetstream.js'
import { parsePrometheusText } from '../support/prometheus-text.js'
import { NodeHost } from '../support/node-process.js'
import { queryPath } from '../support/read-scenario.js'
import { collisionAttack } from '../support/collision.js'
import { postUri as uriOfKey } from '../../src/store/post-key.js'


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

const feed = (host: NodeHost, id: string) => readFeed((p) => host.get(p), id)

describe('Node host end to end: npm start against a local Jetstream', () => {
  it('plays a scripted sequence with malformed frames mixed in and serves SPEC-exact skeletons', async () => {
    const before = jetstream.connections.length
    const host = await startHost(dataDir())
    const conn = await jetstream.connected(before + 1)
    expect(conn.url.searchParams.getAll('wantedCollections').sort()).toEqual([NSID.post, NSID.config, NSID.membership, NSID.action].sort())
    expect(conn.cursor).toBeUndefined()

    const s = scenario()
    for (const f of s.frames) jetstream.publish(f)
    await host.caughtUp(s.lastTimeUs)
    expect(await readFeed((p) => host.get(p), A.id)).toEqual(expected.feed)
    expect((await host.get(feedPath('ffffffff'))).body.error).toBe('UnknownFeed')
    expect((await host.get(feedPath(A.id, '&limit=0'))).body.error).toBe('InvalidRequest')
    expect((await host.get('/xrpc/app.bsky.feed.describeFeedGenerator')).body).toEqual(expected.describe)
    expect((await host.health()).ingest.malformed).toBe(MALFORMED_FRAMES)
    // Connections are kept for reuse, longer than the idle timeout of the proxies in front.
    const keepAlive = (await fetch(`${host.base}/xrpc/_health`)).headers.get('keep-alive')
    expect(Number(/timeout=(\d+)/.exec(keepAlive ?? '')?.[1])).toBeGreaterThan(60)

    for (const f of s.tailFrames) jetstream.publish(f)
    await host.caughtUp(s.tailTimeUs)
    expect(await readFeed((p) => host.get(p), A.id)).toEqual(expected.feedAfterTail)
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
      const sent: RepoWrite[] = []
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
        const indexed = new Set((db.prepare('SELECT post_key AS k FROM posts').all() as { k: string }[]).map((r) => uriOfKey(r.k)))
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

const mallory = 'did:plc:mallory' // grinds a colliding config
const eve = 'did:plc:eve' // mallory's member
const attack = collisionAttack({ alice, bob, mallory, eve })
const { victim, attacker } = attack

/** Every page of the feed `at://<publisher>/…/<id>`, or its error. */
async function feedOf(host: NodeHost, publisher: string, id: string): Promise<string[] | string> {
  const feed = `at://${publisher}/${NSID.feedGenerator}/${id}`
  const out: string[] = []
  let cursor: string | undefined
  for (let page = 0; page < 50; page++) {
    const r = await host.get(queryPath(NSID.getFeedSkeleton, { feed, limit: '2', cursor }))
    if (r.status !== 200) return r.body.error
    out.push(...r.body.feed.map((f: { post: string }) => f.post))
    cursor = r.body.cursor
    if (!cursor) break
  }
  return out
}

describe('npm start under attack', () => {
  it.each(['victim first', 'attacker first'])('a ground id collision through the live stream (%s) takes nothing over', async (order) => {
    const server = await FakeJetstream.start()
    try {
      const host = await startHost(dataDir(), server)
      await server.connected(1)
      const configs = attack.configs()
      const last = send(server, [...(order === 'victim first' ? configs : configs.reverse()), ...attack.records()])
      await host.caughtUp(last)
      expect(victim.id).toBe(attacker.id)
      expect(await feedOf(host, alice, victim.id)).toEqual(attack.feeds.victim)
      expect(await feedOf(host, mallory, victim.id)).toEqual(attack.feeds.attacker)
      expect(await feedOf(host, 'did:plc:someone', victim.id)).toBe('UnknownFeed')
      const ambiguous = await host.get(queryPath(NSID.getCommunity, { community: victim.id }))
      expect(ambiguous.status).toBe(400)
      expect(ambiguous.body.message).toContain(victim.uri)
      expect(ambiguous.body.message).toContain(attacker.uri)
      const mine = await host.get(queryPath(NSID.getCommunity, { community: victim.uri }))
      // Each keeps the other's members' posts, never shown (SPEC §4).
      expect(mine.body).toMatchObject({ uri: victim.uri, owner: alice, counts: { members: 2, postsIndexed: 4 } })
      const described = (await host.get(`/xrpc/${NSID.describeFeedGenerator}`)).body.feeds.map((f: { uri: string }) => f.uri).sort()
      expect(described).toEqual([`at://${alice}/${NSID.feedGenerator}/${victim.id}`, `at://${mallory}/${NSID.feedGenerator}/${victim.id}`])
    } finally {
      await server.close()
    }
  })

  it('follows account status from the stream: a takedown hides, reactivation restores, deletion removes', async () => {
    const server = await FakeJetstream.start()
    try {
      const host = await startHost(dataDir(), server)
      await server.connected(1)
      const A = community(alice, '3kaccounttest')
      let last = send(server, [configEvent(A), membershipEvent(bob, 'm1', A), postEvent(bob, 'b1', `one ${A.hashtag}`), postEvent(alice, 'a1', `two ${A.hashtag}`)])
      await host.caughtUp(last)
      expect(await feedOf(host, alice, A.id)).toEqual([postUri(alice, 'a1'), postUri(bob, 'b1')])
      await host.caughtUp(send(server, [accountEvent(bob, 'takendown')]))
      expect(await feedOf(host, alice, A.id)).toEqual([postUri(alice, 'a1')])
      await host.caughtUp(send(server, [accountEvent(bob, undefined)]))
      expect(await feedOf(host, alice, A.id)).toEqual([postUri(alice, 'a1'), postUri(bob, 'b1')])
      last = send(server, [accountEvent(alice, 'deleted')])
      await host.caughtUp(last)
      expect(await feedOf(host, alice, A.id)).toBe('UnknownFeed')
      expect((await host.get(queryPath(NSID.getCommunity, { community: A.uri }))).body.error).toBe('UnknownCommunity')
    } finally {
      await server.close()
    }
  })
})

describe('Node host health and metrics (issue #15)', () => {
  it('answers 503 while the stream lags beyond ATRARIUM_HEALTH_MAX_LAG_S, 200 once caught up; /metrics parses and its lag grows once the stream stops', async () => {
    const server = await FakeJetstream.start()
    let serverOpen = true
    try {
      const host = await NodeHost.start({ ATRARIUM_DATA_DIR: dataDir(), ATRARIUM_JETSTREAM_URL: server.url, ATRARIUM_HEALTH_MAX_LAG_S: '5' })
      hosts.push(host)
      await server.connected(1)
      const c = community('did:plc:health-owner', '3khealthcomm2')
      // A frame from two minutes ago: the saved cursor is that far behind.
      const old = configEvent(c)
      old.timeUs = Date.now() * 1000 - 120_000_000
      server.publish(toJetstream(old))
      await host.caughtUp(old.timeUs)
      const behind = await fetch(`${host.base}/xrpc/_health`)
      expect(behind.status).toBe(503)
      expect(await behind.json()).toMatchObject({ status: 'unhealthy', problems: [expect.stringMatching(/^stream lag 1[12]\d(\.\d)? s is above 5 s$/)], stream: { connected: true } })

      const now = membershipEvent('did:plc:health-member', 'm1', c)
      now.timeUs = Date.now() * 1000
      server.publish(toJetstream(now))
      await host.caughtUp(now.timeUs)
      const current = await fetch(`${host.base}/xrpc/_health`)
      expect(current.status).toBe(200)
      expect(await current.json()).toMatchObject({ status: 'ok', stream: { connected: true, lagSeconds: expect.any(Number) } })

      // Prometheus metrics: the process defaults and the service's own, read from the same counters.
      await host.get(`/xrpc/${NSID.describeFeedGenerator}`)
      const scrape = async () => {
        const res = await fetch(`${host.base}/metrics`)
        expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
        return parsePrometheusText(await res.text())
      }
      const { series, types } = await scrape()
      const value = (key: string) => series.get(key)
      expect(value('atrarium_stream_frames_total')).toBe(2)
      expect(value('atrarium_stream_passed_total')).toBe(2)
      expect(value('atrarium_stream_connected')).toBe(1)
      const lagLive = value('atrarium_stream_lag_seconds')!
      expect(lagLive).toBeLessThan(5)
      expect(value('atrarium_indexer_events_total{collection="",outcome="indexed"}')).toBe(2)
      expect(value('atrarium_indexer_events_total{collection="",outcome="duplicate"}')).toBe(0)
      expect(value('atrarium_ingest_batch_events_count')).toBeGreaterThanOrEqual(1)
      expect(value(`atrarium_http_requests_total{route="/xrpc/${NSID.describeFeedGenerator}",status="200"}`)).toBe(1)
      expect(value('atrarium_http_requests_total{route="/xrpc/_health",status="503"}')).toBeGreaterThanOrEqual(1)
      expect(types.get('atrarium_http_request_seconds')).toBe('histogram')
      expect(value('process_cpu_user_seconds_total')).toBeGreaterThan(0)

      // The stream stops: the lag grows past the threshold and health turns 503 on it.
      await server.close()
      serverOpen = false
      await host.waitFor(async () => ((await scrape()).series.get('atrarium_stream_lag_seconds') ?? 0) > 5, 20_000, 'the lag to pass 5 s')
      const stopped = await scrape()
      expect(stopped.series.get('atrarium_stream_connected')).toBe(0)
      expect(stopped.series.get('atrarium_stream_reconnects_total')).toBeGreaterThanOrEqual(1)
      const down = await fetch(`${host.base}/xrpc/_health`)
      expect(down.status).toBe(503)
      expect(await down.json()).toMatchObject({ status: 'unhealthy', problems: [expect.stringMatching(/^stream lag \d+(\.\d)? s is above 5 s$/)], stream: { connected: false } })
    } finally {
      if (serverOpen) await server.close()
    }
  }, 60_000)
})
