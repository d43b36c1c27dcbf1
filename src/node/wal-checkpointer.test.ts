import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { until } from '../../test/support/async.js'
import { silentLogger, type Logger } from '../core/logger.js'
import { SqlStore } from '../store/sql-store.js'
import { SqliteDriver } from '../store/sqlite-driver.js'
import { WalCheckpointer } from './wal-checkpointer.js'

const dirs: string[] = []
const drivers: SqliteDriver[] = []
afterEach(() => {
  for (const d of drivers.splice(0)) d.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function open() {
  const dir = mkdtempSync(join(tmpdir(), 'atrarium-wal-'))
  dirs.push(dir)
  const file = join(dir, 'index.sqlite')
  const driver = new SqliteDriver(file)
  drivers.push(driver)
  return { dir, file, driver, store: new SqlStore(driver) }
}

const autoPages = (driver: SqliteDriver) => driver.db.pragma('wal_autocheckpoint', { simple: true })

describe('WalCheckpointer', () => {
  it('checkpoints from its worker thread while the main connection does not, and hands back on close', async () => {
    const { file, driver, store } = open()
    const checkpointer = new WalCheckpointer({ driver, log: silentLogger, intervalMs: 10 })
    checkpointer.start()
    expect(autoPages(driver)).toBe(0)
    const before = statSync(file).size
    store.transaction(() => {
      for (let i = 0; i < 20_000; i++) store.putPost({ community: `c${i % 7}`, uri: `at://did:plc:a${i % 97}/app.bsky.feed.post/${i}`, sortUs: i, hidden: false })
    })
    // Pages reach the database file only through a checkpoint, and the main connection makes none.
    await until(() => statSync(file).size > before + 1_000_000, 'the database file to receive the WAL', 10_000)
    await checkpointer.close()
    expect(autoPages(driver)).toBe(16384)
    expect(store.skeleton({ community: 'c0', minSortUs: 0, limit: 1 })).toHaveLength(1)
  })

  it('gives checkpointing back to the main connection when the worker cannot run', async () => {
    const { dir, driver } = open()
    const warnings: string[] = []
    const log = { ...silentLogger, warn: (_: object, msg?: string) => void warnings.push(msg ?? '') } as Logger
    // The data directory vanishes under the running service: the worker cannot open the file.
    rmSync(dir, { recursive: true, force: true })
    const checkpointer = new WalCheckpointer({ driver, log, intervalMs: 10 })
    checkpointer.start()
    await until(() => autoPages(driver) === 16384, 'the main connection to checkpoint again', 10_000)
    expect(warnings).toEqual(['WAL checkpoint worker stopped; checkpointing on the main connection again'])
    await checkpointer.close()
  })
})
