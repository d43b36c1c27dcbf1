import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RepoEvent } from '../../src/core/events.js'
import { NSID } from '../../src/core/nsid.js'
import { collidingRkeys } from '../support/collision.js'
import { accountEvent, actionEvent, community, configEvent, membershipEvent, postEvent, postUri, toJetstream } from '../support/events.js'
import { FakeJetstream } from '../support/fake-jetstream.js'
import { NodeHost } from '../support/node-process.js'
import { queryPath } from '../support/read-scenario.js'

const alice = 'did:plc:alice' // the victim community's owner
const bob = 'did:plc:bob' // alice's member
const mallory = 'did:plc:mallory' // grinds a colliding config
const eve = 'did:plc:eve' // mallory's member
const [aliceKey, malloryKey] = collidingRkeys(alice, mallory)
const victim = community(alice, aliceKey)
const attacker = community(mallory, malloryKey)

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

async function startHost(server: FakeJetstream): Promise<NodeHost> {
  const dir = mkdtempSync(join(tmpdir(), 'atrarium-e2e-'))
  dirs.push(dir)
  const host = await NodeHost.start({ ATRARIUM_DATA_DIR: dir, ATRARIUM_JETSTREAM_URL: server.url, ATRARIUM_HOSTNAME: 'feeds.example.com' })
  hosts.push(host)
  return host
}

const send = (server: FakeJetstream, events: RepoEvent[]) => {
  for (const e of events) server.publish(toJetstream(e))
  return events[events.length - 1]!.timeUs
}

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

const configs = {
  // The attacker's config backdated to the year 1: it buys nothing (SPEC §1).
  'victim first': () => [configEvent(victim), configEvent(attacker, { createdAt: '0001-01-01T00:00:00.000Z' })],
  'attacker first': () => [configEvent(attacker, { createdAt: '0001-01-01T00:00:00.000Z' }), configEvent(victim)],
}

describe('npm start under attack', () => {
  it.each(Object.keys(configs) as (keyof typeof configs)[])('a ground id collision through the live stream (%s) takes nothing over', async (order) => {
    const server = await FakeJetstream.start()
    try {
      const host = await startHost(server)
      await server.connected(1)
      const last = send(server, [
        ...configs[order](),
        membershipEvent(bob, 'm1', victim), membershipEvent(eve, 'm2', attacker),
        postEvent(bob, 'b1', `birds ${victim.hashtag}`), postEvent(eve, 'e1', `spam ${attacker.hashtag}`),
        actionEvent(mallory, 'h1', attacker, 'hide_post', postUri(bob, 'b1'), '9999-01-01T00:00:00.000Z'),
      ])
      await host.caughtUp(last)
      expect(victim.id).toBe(attacker.id)
      expect(await feedOf(host, alice, victim.id)).toEqual([postUri(bob, 'b1')])
      expect(await feedOf(host, mallory, victim.id)).toEqual([postUri(eve, 'e1')])
      expect(await feedOf(host, 'did:plc:someone', victim.id)).toBe('UnknownFeed')
      const ambiguous = await host.get(queryPath(NSID.getCommunity, { community: victim.id }))
      expect(ambiguous.status).toBe(400)
      expect(ambiguous.body.message).toContain(victim.uri)
      expect(ambiguous.body.message).toContain(attacker.uri)
      const mine = await host.get(queryPath(NSID.getCommunity, { community: victim.uri }))
      expect(mine.body).toMatchObject({ uri: victim.uri, owner: alice, counts: { members: 2, postsIndexed: 1 } })
      const described = (await host.get(`/xrpc/${NSID.describeFeedGenerator}`)).body.feeds.map((f: { uri: string }) => f.uri).sort()
      expect(described).toEqual([`at://${alice}/${NSID.feedGenerator}/${victim.id}`, `at://${mallory}/${NSID.feedGenerator}/${victim.id}`])
    } finally {
      await server.close()
    }
  })

  it('follows account status from the stream: a takedown hides, reactivation restores, deletion removes', async () => {
    const server = await FakeJetstream.start()
    try {
      const host = await startHost(server)
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
