import type { SqlDriver, SqlValue } from '../store/sql-driver.js'

/**
 * Durable Object SQL behind the SqlDriver seam. DO SQL rejects BEGIN/SAVEPOINT statements, so
 * transactions go through `transactionSync`, which nests as a savepoint like better-sqlite3's.
 */
/** Rows written by every driver in this isolate: the unit Durable Object storage is billed in. */
export const sqlUsage = { rowsWritten: 0, rowsRead: 0 }

export class DoSqlDriver implements SqlDriver {
  constructor(private readonly storage: DurableObjectStorage) {}

  exec(sql: string): void {
    this.count(this.storage.sql.exec(sql))
  }

  run(sql: string, ...params: SqlValue[]): { changes: number } {
    const cursor = this.storage.sql.exec(sql, ...params)
    cursor.toArray()
    this.count(cursor)
    return { changes: cursor.rowsWritten }
  }

  all<T>(sql: string, ...params: SqlValue[]): T[] {
    const cursor = this.storage.sql.exec(sql, ...params)
    const rows = cursor.toArray() as T[]
    this.count(cursor)
    return rows
  }

  private count(cursor: SqlStorageCursor<Record<string, SqlStorageValue>>): void {
    sqlUsage.rowsWritten += cursor.rowsWritten
    sqlUsage.rowsRead += cursor.rowsRead
  }

  transaction<T>(fn: () => T): T {
    return this.storage.transactionSync(fn)
  }
}
