/**
 * A `LIMIT` written into the SQL text rather than bound. SQLite built with STAT4 (better-sqlite3
 * is) re-plans a statement whenever a parameter that planning looked at is bound anew, and a bound
 * LIMIT is one: a feed page's query then costs ~10 µs more on every call (bench/README.md,
 * "Uncached path"). The few distinct page sizes keep the statement cache small. `n` must be a
 * non-negative safe integer: never text from a request.
 */
export function sqlLimit(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`LIMIT must be a non-negative integer, got ${n}`)
  return `LIMIT ${n}`
}
