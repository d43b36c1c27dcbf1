import type { SqlDriver, SqlValue } from '../store/sql-driver.js'

/**
 * Durable Object SQL behind the SqlDriver seam. DO SQL rejects BEGIN/SAVEPOINT statements, so
 * transactions go through `transactionSync`, which nests as a savepoint like better-sqlite3's.
 */
/**
 * Rows written by every driver in this isolate: the unit Durable Object storage is billed in. When a
 * cost measurement sets `byStatement`, rows written are also added up per statement.
 */
export const sqlUsage: { rowsWritten: number; rowsRead: number; byStatement?: Record<string, number> } = { rowsWritten: 0, rowsRead: 0 }

export class DoSqlDriver implements SqlDriver {
  constructor(private readonly storage: DurableObjectStorage) {}

  exec(sql: string): void {
    this.count(this.storage.sql.exec(sql), sql)
  }

  run(sql: string, ...params: SqlValue[]): { changes: number } {
    const cursor = this.storage.sql.exec(sql, ...params)
    cursor.toArray()
    this.count(cursor, sql)
    return { changes: cursor.rowsWritten }
  }

  all<T>(sql: string, ...params: SqlValue[]): T[] {
    const cursor = this.storage.sql.exec(sql, ...params)
    const rows = cursor.toArray() as T[]
    this.count(cursor, sql)
    return rows
  }

  rows(sql: string, ...params: SqlValue[]): SqlValue[][] {
    const cursor = this.storage.sql.exec(sql, ...params)
    const rows = Array.from(cursor.raw()) as SqlValue[][]
    this.count(cursor, sql)
    return rows
  }

  private count(cursor: SqlStorageCursor<Record<string, SqlStorageValue>>, sql: string): void {
    sqlUsage.rowsWritten += cursor.rowsWritten
    sqlUsage.rowsRead += cursor.rowsRead
    if (sqlUsage.byStatement && cursor.rowsWritten > 0) {
      const key = sql.replace(/\s+/g, ' ').trim().slice(0, 90)
      sqlUsage.byStatement[key] = (sqlUsage.byStatement[key] ?? 0) + cursor.rowsWritten
    }
  }

  transaction<T>(fn: () => T): T {
    return this.storage.transactionSync(fn)
  }
}
