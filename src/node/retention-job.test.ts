import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../core/logger.js'
import { ORPHAN_TTL_US } from '../core/retention.js'
import { US_PER_DAY } from '../core/time.js'
import { SqlStore } from '../store/sql-store.js'
import { SqliteDriver } from '../store/sqlite-driver.js'
import { RetentionJob } from './retention-job.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function fileStore() {
  const dir = mkdtempSync(join(tmpdir(), 'atrarium-retention-'))
  dirs.push(dir)
  const driver = new SqliteDriver(join(dir, 'atrarium.sqlite'))
  return { driver, store: new SqlStore(driver) }
}

describe('RetentionJob on a SQLite file', () => {
  it('purges old posts, records naming a config never seen, and stale account statuses, in chunks past the first', async () => {
    const { driver, store } = fileStore()
    const nowUs = 100 * US_PER_DAY
    const minSortUs = nowUs - 7 * US_PER_DAY
    const gone = 'at://did:plc:gone/net.atrarium.community.config/x'
    // More than one 500-row chunk of each, so the job must loop.
    store.transaction(() => {
      for (let i = 0; i < 1200; i++) {
        store.putPost({ community: 'at://c', uri: `at://did:plc:a${i}/app.bsky.feed.post/p`, sortUs: i % 2 === 0 ? minSortUs - 1 : minSortUs + 1, hidden: false })
        store.putMembership({ uri: `at://did:plc:m${i}/net.atrarium.community.membership/1`, did: `did:plc:m${i}`, community: gone, role: 'member', joinedAt: 'x', active: true, seenUs: i % 2 === 0 ? nowUs - ORPHAN_TTL_US - 1 : nowUs })
        store.setAccountStatus(`did:plc:z${i}`, 'deactivated', nowUs - 2 * US_PER_DAY)
      }
    })
    let pruned = 0
    const job = new RetentionJob({ store, log: silentLogger, minSortUs: () => minSortUs, nowUs: () => nowUs, afterPurge: () => pruned++ })
    expect(await job.run()).toBe(600)
    const count = (sql: string) => driver.all<{ n: number }>(sql)[0]!.n
    expect(count('SELECT COUNT(*) AS n FROM posts')).toBe(600)
    expect(count('SELECT COUNT(*) AS n FROM memberships')).toBe(600)
    expect(count('SELECT COUNT(*) AS n FROM accounts')).toBe(0)
    expect(pruned).toBe(1)
    await job.close()
    driver.close()
  })
})
