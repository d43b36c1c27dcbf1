import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNetworkNoAppView } from '@atproto/dev-env'
import type { AtpAgent } from '@atproto/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FeedService } from '../../src/core/feed-service.js'
import { Indexer } from '../../src/core/indexer.js'
import { silentLogger } from '../../src/core/logger.js'
import { NSID } from '../../src/core/nsid.js'
import { US_PER_DAY } from '../../src/core/time.js'
import { firehoseSource } from '../../src/ingest/firehose-source.js'
import { StreamIngest } from '../../src/ingest/stream-ingest.js'
import { SqlStore } from '../../src/store/sql-store.js'
import { SqliteDriver } from '../../src/store/sqlite-driver.js'
import { until } from '../support/async.js'
import { community } from '../support/events.js'

let net: TestNetworkNoAppView
let dir: string
let driver: SqliteDriver
let ingest: StreamIngest<Uint8Array> | undefined

beforeAll(async () => {
  net = await TestNetworkNoAppView.create({})
  dir = mkdtempSync(join(tmpdir(), 'atrarium-pds-'))
  driver = new SqliteDriver(join(dir, 'index.sqlite'))
})

afterAll(async () => {
  await ingest?.close()
  driver?.close()
  await net?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const create = (agent: AtpAgent, did: string, collection: string, record: object, rkey?: string) =>
  agent.com.atproto.repo.createRecord({ repo: did, collection, ...(rkey ? { rkey } : {}), record: { $type: collection, ...record } })

describe('StreamIngest against a real PDS firehose (@atproto/dev-env)', () => {
  it('indexes a community, a membership and a hashtagged post written through the PDS, then its delete', async () => {
    // dev-env's PDS listens on every interface; reach it through localhost only.
    const pdsUrl = new URL(net.pds.url)
    expect(pdsUrl.hostname).toBe('localhost')
    const agent = net.pds.getClient()
    await agent.createAccount({ handle: 'alice.test', email: 'alice@test.com', password: 'hunter22' })
    const did = agent.session!.did

    const store = new SqlStore(driver)
    const indexer = new Indexer({ store, log: silentLogger, retentionUs: 7 * US_PER_DAY })
    const source = firehoseSource({ url: `ws://localhost:${pdsUrl.port}` })
    ingest = new StreamIngest({ source, store, indexer, log: silentLogger, maxWaitMs: 10 })
    ingest.start()
    // With no saved cursor the firehose is followed live: connect before writing.
    await until(() => ingest!.socketStats.connects === 1, 'firehose connection', 10_000)

    const c = community(did, '3jzfcijpj2z2a')
    const now = new Date().toISOString()
    await create(agent, did, NSID.config, { name: 'PDS test', hashtag: c.hashtag, stage: 'theme', moderators: [], createdAt: now }, c.rkey)
    await create(agent, did, NSID.membership, { community: c.uri, role: 'member', joinedAt: now, active: true })
    const post = await create(agent, did, NSID.post, { text: `hello from a real PDS ${c.hashtag}`, createdAt: new Date().toISOString() })

    const latest = await net.pds.ctx.sequencer.curr()
    expect(latest).toBeGreaterThan(0)
    await until(() => (ingest!.cursor ?? 0) >= latest!, `cursor to reach seq ${latest}`, 15_000)
    expect(store.getCursor(source.key)).toBe(latest)

    const feeds = new FeedService({ store, serviceDid: 'did:web:feeds.test', minSortUs: () => indexer.minSortUs() })
    const page = feeds.getFeedSkeleton({ feed: `at://did:plc:publisher/${NSID.feedGenerator}/${c.id}`, limit: 10 })
    expect(page.ok && page.value.feed.map((f) => f.post)).toEqual([post.data.uri])

    // The delete names no community: it passes stage 1 only because alice is a known author.
    const passed = ingest.stats.passed
    await agent.com.atproto.repo.deleteRecord({ repo: did, collection: NSID.post, rkey: post.data.uri.split('/').pop()! })
    const afterDelete = await net.pds.ctx.sequencer.curr()
    await until(() => (ingest!.cursor ?? 0) >= afterDelete!, `cursor to reach seq ${afterDelete}`, 15_000)
    expect(ingest.stats.passed).toBe(passed + 1)
    const empty = feeds.getFeedSkeleton({ feed: `at://did:plc:publisher/${NSID.feedGenerator}/${c.id}`, limit: 10 })
    expect(empty.ok && empty.value.feed).toEqual([])
    expect(ingest.stats.malformed).toBe(0)
  })
})
