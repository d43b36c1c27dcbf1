import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { SqlDriver, SqlValue } from './sql-driver.js'

/** better-sqlite3 behind the SqlDriver seam, with prepared statements cached by SQL text. */
export class SqliteDriver implements SqlDriver {
  readonly db: Database.Database
  private readonly statements = new Map<string, Database.Statement>()
  private readonly rawStatements = new Map<string, Database.Statement>()
  private version: Database.Statement | undefined
  private begin: Database.Statement | undefined
  private commit: Database.Statement | undefined

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
    this.db = new Database(file)
    // WAL lets feed reads run while a batch commits; NORMAL sync is durable at checkpoint
    // and loses at most the last transactions on power loss, which the stream replays.
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = NORMAL')
    this.db.pragma('busy_timeout = 5000')
    // The default 2 MB page cache thrashes on the posts indexes once the index outgrows it, and
    // every insert then reads pages back from the OS; 64 MB keeps the hot index pages resident.
    this.db.pragma('cache_size = -65536')
    this.db.pragma('temp_store = MEMORY')
    // Reads through mmap skip a copy per page; the index is a cache, so a bounded mapping is safe.
    this.db.pragma('mmap_size = 268435456')
    // Checkpoint every 64 MB of WAL instead of every 4 MB: index pages hot in every batch (inner
    // nodes, each feed's newest leaf) are copied back once per checkpoint, so fewer, larger
    // checkpoints copy far fewer pages; the file is cut back to 64 MB after each.
    this.db.pragma('wal_autocheckpoint = 16384')
    this.db.pragma('journal_size_limit = 67108864')
  }

  private prepare(sql: string): Database.Statement {
    let stmt = this.statements.get(sql)
    if (!stmt) {
      stmt = this.db.prepare(sql)
      this.statements.set(sql, stmt)
    }
    return stmt
  }

  private prepareRaw(sql: string): Database.Statement {
    let stmt = this.rawStatements.get(sql)
    if (!stmt) {
      stmt = this.db.prepare(sql).raw()
      this.rawStatements.set(sql, stmt)
    }
    return stmt
  }

  exec(sql: string): void {
    this.db.exec(sql)
  }

  run(sql: string, ...params: SqlValue[]): { changes: number } {
    return { changes: this.prepare(sql).run(...params).changes }
  }

  all<T>(sql: string, ...params: SqlValue[]): T[] {
    return this.prepare(sql).all(...params) as T[]
  }

  rows(sql: string, ...params: SqlValue[]): SqlValue[][] {
    return this.prepareRaw(sql).all(...params) as SqlValue[][]
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)()
  }

  /**
   * One read transaction for several reads: in WAL mode every transaction takes and releases a lock
   * on the -shm file (two fcntl calls), and a statement outside one is a transaction of its own.
   */
  read<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn()
    this.begin ??= this.db.prepare('BEGIN')
    this.commit ??= this.db.prepare('COMMIT')
    this.begin.run()
    try {
      return fn()
    } finally {
      // Nothing was written: committing a read transaction only ends it, even after a failed read.
      if (this.db.inTransaction) this.commit.run()
    }
  }

  dataVersion(): number {
    this.version ??= this.db.prepare('PRAGMA data_version').pluck()
    return this.version.get() as number
  }

  close(): void {
    this.version = undefined
    this.begin = undefined
    this.commit = undefined
    this.statements.clear()
    this.rawStatements.clear()
    if (this.db.open) this.db.close()
  }
}
