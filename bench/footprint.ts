/** Footprint: bytes on disk per post (page_count × page_size after a checkpoint) and process RSS. */
import type { Dataset } from './dataset.js'
import type { Figure } from './lib.js'

export function benchFootprint(ds: Dataset): Figure[] {
  const db = ds.driver.db
  db.pragma('wal_checkpoint(TRUNCATE)')
  const pages = db.pragma('page_count', { simple: true }) as number
  const pageSize = db.pragma('page_size', { simple: true }) as number
  const bytes = pages * pageSize
  const posts = (db.prepare('SELECT count(*) AS n FROM posts').get() as { n: number }).n
  let perIndex = ''
  try {
    const rows = db.prepare("SELECT name, sum(pgsize) AS b FROM dbstat WHERE name LIKE 'posts%' GROUP BY name ORDER BY b DESC").all() as { name: string; b: number }[]
    perIndex = rows.map((r) => `${r.name} ${(r.b / posts).toFixed(0)}`).join(', ')
  } catch {
    perIndex = 'dbstat not available'
  }
  return [
    { key: 'disk_bytes_per_post', figure: 'disk bytes per post (after checkpoint)', unit: 'B/post', median: bytes / posts, target: { op: '<=', value: 300, label: '≤ 300 B/post' }, note: `${posts.toLocaleString('en')} posts, ${(bytes / 2 ** 20).toFixed(0)} MiB; per b-tree B/post: ${perIndex}` },
    { key: 'rss_mib', figure: 'process RSS after skeleton + HTTP load', unit: 'MiB', median: process.memoryUsage().rss / 2 ** 20 },
  ]
}
