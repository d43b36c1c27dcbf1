import { describe, expect, it } from 'vitest'
import { Metrics } from './metrics.js'

const sources = {
  ingest: () => ({ frames: 10, passed: 3, malformed: 1, batches: 2, events: 3, verified: 2, rejected: { signature: 1, proof: 0, key: 4 } }),
  socket: () => ({ connects: 2, disconnects: 1 }),
  stream: () => ({ connected: true }),
  indexer: () => ({ applied: 3, notMember: 4, duplicate: 5, failed: 0, invalid: { 'app.bsky.feed.post': 2 } }),
  joinBackfill: () => ({ pending: 1, done: 4, failed: 0, dropped: 0, posts: 9 }),
  firstStart: () => ({}),
  feedCache: () => ({ hits: 7, misses: 2 }),
  didResolutions: () => ({ auth: { ok: 6, failed: 1 } }),
}

describe('Metrics', () => {
  it.each([
    { path: '/xrpc/app.bsky.feed.getFeedSkeleton', route: '/xrpc/app.bsky.feed.getFeedSkeleton' },
    { path: '/xrpc/_health', route: '/xrpc/_health' },
    { path: '/xrpc/com.example.anything', route: '/xrpc/other' },
    { path: '/wp-login.php', route: 'other' },
  ])('labels $path as $route, so no request can add a series', async ({ path, route }) => {
    const m = new Metrics(sources)
    m.request(path, 200, 0.002)
    expect(await m.registry.metrics()).toContain(`atrarium_http_requests_total{route="${route}",status="200"} 1`)
  })

  it('reads the host counters at scrape time, and gives NaN for the lag it cannot know', async () => {
    const text = await new Metrics(sources).registry.metrics()
    for (const line of [
      'atrarium_stream_frames_total 10', 'atrarium_stream_reconnects_total 1', 'atrarium_stream_connected 1',
      'atrarium_indexer_events_total{outcome="invalid",collection="app.bsky.feed.post"} 2', 'atrarium_join_backfill_pending 1',
      'atrarium_indexer_events_total{outcome="not_member",collection=""} 4', 'atrarium_indexer_events_total{outcome="duplicate",collection=""} 5',
      'atrarium_feed_cache_total{result="hit"} 7', 'atrarium_did_resolutions_total{purpose="auth",outcome="failed"} 1',
      'atrarium_commits_verified_total 2', 'atrarium_commits_rejected_total{reason="signature"} 1',
      'atrarium_commits_rejected_total{reason="proof"} 0', 'atrarium_commits_rejected_total{reason="key"} 4',
    ]) expect(text).toContain(line)
    expect(text).toMatch(/^atrarium_stream_lag_seconds nan$/im)
  })
})
