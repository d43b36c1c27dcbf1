import type { JoinBackfillJob } from '../core/store.js'
import { first } from './sql-driver.js'
import { SqlPosts } from './sql-posts.js'

const POST_PATH = '/app.bsky.feed.post/'

/** A repo's post URIs: `at://<did>/app.bsky.feed.post/` up to the next character after the slash. */
const postRange = (did: string): [string, string] => [`at://${did}${POST_PATH}`, `at://${did}/app.bsky.feed.post0`]

type JobRow = { community: string; did: string; queued_us: number; due_us: number; attempts: number }
const toJob = (r: JobRow): JoinBackfillJob => ({ community: r.community, did: r.did, queuedUs: r.queued_us, dueUs: r.due_us, attempts: r.attempts })

/** The join-backfill queue and post tombstones of the Store over SQL (migration 9). */
export class SqlJoinBackfills extends SqlPosts {
  queueJoinBackfill(community: string, did: string, nowUs: number): void {
    this.db.run('INSERT INTO join_backfills (community, did, queued_us, due_us) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', community, did, nowUs, nowUs)
  }

  dueJoinBackfills(nowUs: number, limit: number): JoinBackfillJob[] {
    return this.db.all<JobRow>('SELECT * FROM join_backfills WHERE due_us <= ? ORDER BY due_us, community, did LIMIT ?', nowUs, limit).map(toJob)
  }

  nextJoinBackfillUs(): number | undefined {
    return first(this.db.all<{ due: number | null }>('SELECT MIN(due_us) AS due FROM join_backfills'))?.due ?? undefined
  }

  joinBackfillCount(): number {
    return first(this.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM join_backfills'))?.n ?? 0
  }

  retryJoinBackfill(community: string, did: string, dueUs: number): void {
    this.db.run('UPDATE join_backfills SET due_us = ?, attempts = attempts + 1 WHERE community = ? AND did = ?', dueUs, community, did)
  }

  finishJoinBackfill(community: string, did: string): void {
    this.db.run('DELETE FROM join_backfills WHERE community = ? AND did = ?', community, did)
    // Tombstones only matter while a fetch of the author's posts may be in flight.
    if (!first(this.db.all('SELECT 1 FROM join_backfills WHERE did = ? LIMIT 1', did))) {
      this.db.run('DELETE FROM post_tombstones WHERE uri >= ? AND uri < ?', ...postRange(did))
    }
  }

  hasJoinBackfill(did: string): boolean {
    return first(this.db.all('SELECT 1 FROM join_backfills WHERE did = ? LIMIT 1', did)) !== undefined
  }

  override indexedAuthors(): string[] {
    const authors = super.indexedAuthors()
    const queued = this.db.all<{ did: string }>('SELECT DISTINCT did FROM join_backfills').map((r) => r.did)
    return queued.length === 0 ? authors : [...new Set([...authors, ...queued])].sort()
  }

  addPostTombstone(uri: string, seenUs: number): void {
    this.db.run('INSERT INTO post_tombstones (uri, seen_us) VALUES (?, ?) ON CONFLICT DO NOTHING', uri, seenUs)
  }

  hasPostTombstone(uri: string): boolean {
    return first(this.db.all('SELECT 1 FROM post_tombstones WHERE uri = ?', uri)) !== undefined
  }

  purgeTombstones(seenBeforeUs: number, limit: number): number {
    return this.db.all('DELETE FROM post_tombstones WHERE uri IN (SELECT uri FROM post_tombstones WHERE seen_us < ? LIMIT ?) RETURNING 1', seenBeforeUs, limit).length
  }
}
