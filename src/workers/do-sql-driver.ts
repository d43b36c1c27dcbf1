import type { SqlDriver, SqlValue } from '../store/sql-driver.js'

/**
 * Durable Object SQL behind the SqlDriver seam. DO SQL rejects BEGIN/SAVEPOINT statements, so
 * transactions go through `transactionSync`, which nests as a savepoint like better-sqlite3's.
 */
export class DoSqlDriver implements SqlDriver {
  constructor(private readonly storage: DurableObjectStorage) {}

  exec(sql: string): void {
    this.storage.sql.exec(sql)
  }

  run(sql: string, ...params: SqlValue[]): { changes: number } {
    const cursor = this.storage.sql.exec(sql, ...params)
    cursor.toArray()
    return { changes: cursor.rowsWritten }
  }

  all<T>(sql: string, ...params: SqlValue[]): T[] {
    return this.storage.sql.exec(sql, ...params).toArray() as T[]
  }

  transaction<T>(fn: () => T): T {
    return this.storage.transactionSync(fn)
  }
}
