/**
 * The starter kit's SQLite file, loaded with the posts of our benchmark community: its schema made by
 * its migration through kysely's Migrator (so the kit itself, run from a checkout, finds migration
 * '001' applied and starts on the file), the rows, then the fair index (starter-kit.ts).
 */
import { createHash } from 'node:crypto'
import SqliteDb from 'better-sqlite3'
import { CODEC_DCBOR, fromDigest, toString as cidString } from '@atcute/cid'
import { FAIR_INDEX_SQL, kitDb, migrateKit } from './starter-kit.js'

/** The kit's `indexedAt` for a post we sort at `sortUs`: the same instant, to the millisecond. */
export const indexedAtOf = (sortUs: number): string => new Date(Math.floor(sortUs / 1000)).toISOString()

/** A well-formed CIDv1 (dag-cbor, sha-256) per URI, as a record's would be; nothing reads its content. */
export const plausibleCid = (uri: string): string => cidString(fromDigest(CODEC_DCBOR, createHash('sha256').update(uri).digest()))

/**
 * Writes `rows` (oldest first, as a subscription indexes them) into a new kit database at `file`.
 * Returns the `indexedAt` of every post, oldest first.
 */
export async function writeKitDb(file: string, rows: Iterable<{ uri: string; sortUs: number }>): Promise<string[]> {
  const raw = new SqliteDb(file)
  const db = kitDb(raw)
  try {
    await migrateKit(db)
    const insert = raw.prepare('insert into "post" ("uri", "cid", "indexedAt") values (?, ?, ?)')
    const chunk = raw.transaction((batch: { uri: string; indexedAt: string }[]) => {
      for (const p of batch) insert.run(p.uri, plausibleCid(p.uri), p.indexedAt)
    })
    const times: string[] = []
    let batch: { uri: string; indexedAt: string }[] = []
    for (const r of rows) {
      const indexedAt = indexedAtOf(r.sortUs)
      times.push(indexedAt)
      batch.push({ uri: r.uri, indexedAt })
      if (batch.length === 50_000) {
        chunk(batch)
        batch = []
      }
    }
    chunk(batch)
    raw.exec(FAIR_INDEX_SQL)
    return times
  } finally {
    await db.destroy()
  }
}
