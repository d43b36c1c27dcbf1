/**
 * The few SQL operations the store needs. better-sqlite3 and Durable Object SQL both run
 * SQLite synchronously, so one store implementation serves both through this seam.
 */
export type SqlValue = string | number | null

export interface SqlDriver {
  /** Runs a script of one or more statements without parameters. */
  exec(sql: string): void
  run(sql: string, ...params: SqlValue[]): { changes: number }
  all<T>(sql: string, ...params: SqlValue[]): T[]
  /** Rows as arrays of column values, in select order: no object per row, for the hot feed reads. */
  rows(sql: string, ...params: SqlValue[]): SqlValue[][]
  transaction<T>(fn: () => T): T
  /** Runs `fn`'s reads in one read transaction; absent where that gains nothing. */
  read?<T>(fn: () => T): T
  /** Moves when another connection commits; absent where no other connection can write. */
  dataVersion?(): number
}

export const first = <T>(rows: T[]): T | undefined => rows[0]
