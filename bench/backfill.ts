/**
 * Backfill (issue #13) against a real local PDS (@atproto/dev-env): members' posts read by
 * `runBackfill` (what `atrarium backfill` and the first start run), and join backfill (the Node
 * host's JoinBackfillJob) from a membership applied to the index until the member's oldest post in
 * the window is visible in the community (its whole listing indexed). Both use the host's own identity and fetch (pinned, local allowed).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNetworkNoAppView } from '@atproto/dev-env'
import { AtpAgent } from '@atproto/api'
import { serviceIdentity } from '../src/auth/service-identity.js'
import { JoinBackfiller } from '../src/backfill/join-backfill.js'
import { memberPostLister } from '../src/backfill/post-listing.js'
import { pdsSource } from '../src/backfill/repo-listing.js'
import { BackfillState } from '../src/cli/backfill/backfill-state.js'
import { runBackfill } from '../src/cli/backfill/run-backfill.js'
import { Indexer } from '../src/core/indexer.js'
import { silentLogger } from '../src/core/logger.js'
import { NSID } from '../src/core/nsid.js'
import { US_PER_DAY } from '../src/core/time.js'
import { JoinBackfillJob } from '../src/node/join-backfill-job.js'
import { pinnedFetch } from '../src/node/pinned-fetch.js'
import { SqlStore } from '../src/store/sql-store.js'
import { SqliteDriver } from '../src/store/sqlite-driver.js'
import { community, configEvent, membershipEvent } from '../test/support/events.js'
import { log, median, percentile, until, type Figure } from './lib.js'

const PASSWORD = 'bench-password'

/** An index in a temp file, with the production Indexer. */
function index() {
  const dir = mkdtempSync(join(tmpdir(), 'atrarium-bench-backfill-'))
  const driver = new SqliteDriver(join(dir, 'index.sqlite'))
  const store = new SqlStore(driver)
  const indexer = new Indexer({ store, log: silentLogger, retentionUs: 7 * US_PER_DAY })
  return { driver, store, indexer, close: () => (driver.close(), rmSync(dir, { recursive: true, force: true })) }
}

export async function benchBackfill(opts: { members?: number; postsPerMember?: number; joins?: number } = {}): Promise<Figure[]> {
  const members = opts.members ?? Number(process.env.BENCH_BACKFILL_MEMBERS ?? 20)
  const perMember = opts.postsPerMember ?? 250
  const net = await TestNetworkNoAppView.create({})
  try {
    const pds = net.pds.url
    const agentOf = async (handle: string) => {
      const res = await net.pds.getClient().createAccount({ handle, email: `${handle}@bench.test`, password: PASSWORD })
      const agent = new AtpAgent({ service: pds })
      await agent.login({ identifier: handle, password: PASSWORD })
      return { did: res.data.did, agent }
    }
    const owner = await agentOf('benchowner.test')
    const cfg = await owner.agent.com.atproto.repo.createRecord({
      repo: owner.did, collection: NSID.config,
      record: { $type: NSID.config, name: 'Bench', hashtag: '#atrarium_00000000', stage: 'theme', moderators: [], createdAt: new Date().toISOString() },
    })
    // The hashtag must be the one the config's URI derives; rewrite it now that the URI is known.
    const C = community(owner.did, cfg.data.uri.split('/').pop()!)
    await owner.agent.com.atproto.repo.putRecord({
      repo: owner.did, collection: NSID.config, rkey: C.rkey,
      record: { $type: NSID.config, name: 'Bench', hashtag: C.hashtag, stage: 'theme', moderators: [], createdAt: new Date().toISOString() },
    })
    const users: { did: string; agent: AtpAgent; probe: string }[] = []
    const t0 = performance.now()
    for (let m = 0; m < members; m++) {
      const u = { ...(await agentOf(`member${m}.test`)), probe: '' }
      users.push(u)
      await u.agent.com.atproto.repo.createRecord({ repo: u.did, collection: NSID.membership, record: { $type: NSID.membership, community: C.uri, role: 'member', joinedAt: new Date().toISOString(), active: true } })
      // Half the posts name the community, as a member's feed would mix them.
      for (let i = 0; i < perMember; i += 200) {
        const writes = Array.from({ length: Math.min(200, perMember - i) }, (_, k) => ({
          $type: 'com.atproto.repo.applyWrites#create' as const, collection: NSID.post,
          value: { $type: NSID.post, text: (i + k) % 2 === 0 ? `post ${i + k} ${C.hashtag}` : `post ${i + k}`, createdAt: new Date().toISOString() },
        }))
        const res = await u.agent.com.atproto.repo.applyWrites({ repo: u.did, writes })
        // The member's oldest tagged post: visible only once their whole listing is indexed.
        u.probe ||= (res.data.results?.[0] as { uri?: string } | undefined)?.uri ?? ''
      }
    }
    log(`backfill: ${members} members × ${perMember} posts written to the PDS in ${((performance.now() - t0) / 1000).toFixed(1)} s`)

    const pinned = pinnedFetch({ allowLocal: true })
    // Post listings requested: the politeness limit is on requests, and a listing ends with an empty page.
    let postPages = 0
    const fetch: typeof pinned = (input, init) => {
      if (String(input).includes(`collection=${NSID.post}`)) postPages++
      return pinned(input, init)
    }
    const identity = serviceIdentity({ plcUrl: net.plc.url, webFetch: fetch, allowLocal: true })
    const figures: Figure[] = []
    for (const [label, perHostPerSec] of [['host default: 10 requests/s to one PDS', 10], ['politeness lifted (1,000 requests/s)', 1000]] as const) {
      const ix = index()
      try {
        const source = pdsSource(pds)
        // The run reports a start per phase: repos first, then members' posts.
        const starts: number[] = []
        const progress = { start: () => void starts.push(performance.now()), tick() {}, note() {}, finish() {} }
        postPages = 0
        const result = await runBackfill({
          source, state: new BackfillState(ix.driver, source.key), indexer: ix.indexer, store: ix.store, identity, fetch, perHostPerSec,
          progress, concurrency: 8, interrupted: () => false,
        })
        const end = performance.now()
        if (!result.ok) throw new Error(result.error)
        const read = result.value.posts.read
        if (read !== members * perMember) throw new Error(`read ${read} posts, wrote ${members * perMember}`)
        const seconds = (end - starts[1]!) / 1000
        // One PDS at 10 requests a second: the most a polite reader can get from it.
        const ceiling = read / (postPages / 10)
        figures.push({
          key: `backfill_posts_per_s_${perHostPerSec}`, figure: `backfill from a local PDS, members' posts read and indexed/s (${label})`, unit: 'posts/s', median: read / seconds,
          note: `${read} posts of ${members} members in ${seconds.toFixed(2)} s, ${postPages} pages; the whole run, records first, ${((end - starts[0]!) / 1000).toFixed(2)} s`,
          ...(perHostPerSec === 10 ? { target: { op: '>=' as const, value: Math.round(0.8 * ceiling), label: `≥ ${Math.round(0.8 * ceiling)}/s (80% of 10 pages/s)` } } : {}),
        })
      } finally {
        ix.close()
      }
    }

    // Join backfill: the members' records reach the index as from the stream, one join at a time,
    // then all at once; each is timed from the membership applied until its posts are served.
    for (const burst of [false, true]) {
      const ix = index()
      const job = new JoinBackfillJob({
        log: silentLogger,
        backfiller: new JoinBackfiller({
          store: ix.store, log: silentLogger, minSortUs: () => ix.indexer.minSortUs(),
          listPosts: memberPostLister({ pdsOf: (did) => identity.pdsOf(did), fetch }),
          apply: (events) => ix.indexer.applyBatch(events),
        }),
      })
      try {
        ix.indexer.applyBatch([configEvent(C)])
        ix.store.finishJoinBackfill(C.uri, owner.did)
        job.start()
        const joiners = users.slice(0, opts.joins ?? members)
        const latencies: number[] = []
        const joinAll = async (group: typeof joiners) => {
          const start = performance.now()
          ix.indexer.applyBatch(group.map((u, i) => membershipEvent(u.did, `3kbench${burst ? 'b' : 's'}${i}`, C)))
          const waiting = new Set(group.map((u) => u.probe))
          await until(() => {
            for (const uri of waiting) if (ix.store.visibleCommunities(uri).includes(C.uri)) (waiting.delete(uri), latencies.push(performance.now() - start))
            return waiting.size === 0
          }, 'join backfill', 120_000, 5)
        }
        postPages = 0
        if (burst) await joinAll(joiners)
        else for (const u of joiners) await joinAll([u])
        const burstBound = 1000 + postPages * 100
        figures.push({
          key: burst ? 'join_backfill_burst_ms' : 'join_backfill_ms',
          figure: burst ? `join backfill, ${joiners.length} joins at once: join applied → posts served` : 'join backfill, one join: join applied → earlier posts served',
          unit: 'ms', median: median(latencies), p99: percentile(latencies, 99),
          note: `${perMember} posts each (half naming the community), one PDS, poll 250 ms`,
          target: burst
            ? { op: '<=', value: burstBound, label: `p99 ≤ ${(burstBound / 1000).toFixed(1)} s (${postPages} pages at 10/s + 1 s)` }
            : { op: '<=', value: 2000, label: 'p99 ≤ 2 s' },
        })
      } finally {
        await job.close()
        ix.close()
      }
    }
    return figures
  } finally {
    await net.close()
  }
}
