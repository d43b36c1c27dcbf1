import type { CommunityPageQuery } from '../core/store.js'

/** `%`, `_` and the escape itself match literally in a name search. */
const likeLiteral = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`)

/**
 * One page of communities in (id, uri) order, shared by the Node index and the Workers directory:
 * the owner filter, the name search (case-insensitive for ASCII, as SQLite's LIKE is) and the cursor.
 */
export function communityPageSql(table: string, nameColumn: string, q: CommunityPageQuery): { sql: string; params: (string | number)[] } {
  const where: string[] = []
  const params: (string | number)[] = []
  if (q.owner !== undefined) where.push('owner = ?'), params.push(q.owner)
  if (q.name !== undefined) where.push(`${nameColumn} LIKE ? ESCAPE '\\'`), params.push(`%${likeLiteral(q.name)}%`)
  if (q.after !== undefined) where.push('(id, uri) > (?, ?)'), params.push(q.after.id, q.after.uri)
  return { sql: `SELECT * FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id, uri LIMIT ?`, params: [...params, q.limit] }
}
