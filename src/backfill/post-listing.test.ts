import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nextTid, tidTimeUs } from '../records/tid.js'
import { listRecentPosts, politeGet } from './post-listing.js'

// A PDS on a real socket: listRecords of app.bsky.feed.post, newest first, 2 a page; 429s on demand.
const NOW_US = Date.now() * 1000
const DAY_US = 86_400_000_000
// Oldest first: nextTid never goes back in time.
const posts = [9, 8, 3.5, 2.5, 1.5, 0.5].map((days) => ({ rkey: nextTid(NOW_US - days * DAY_US), days }))
  .sort((a, b) => (a.rkey < b.rkey ? 1 : -1))
let refuse = 0
const seen: string[] = []
let server: Server
let base: string

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    seen.push(url.searchParams.get('cursor') ?? '')
    if (refuse > 0) {
      refuse--
      return void res.writeHead(429, { 'retry-after': '0.05', 'content-type': 'application/json' }).end('{"error":"RateLimitExceeded"}')
    }
    const from = Number(url.searchParams.get('cursor') ?? 0)
    const page = posts.slice(from, from + 2)
    const body = { records: page.map((p) => ({ uri: `at://did:plc:a/app.bsky.feed.post/${p.rkey}`, value: { text: `${p.days}`, createdAt: new Date().toISOString() } })), ...(from + 2 < posts.length ? { cursor: String(from + 2) } : {}) }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

describe('listRecentPosts', () => {
  it('reads newest first and stops at the window, by the TID (a createdAt claims nothing about listing order)', async () => {
    seen.length = 0
    const r = await listRecentPosts(politeGet(), base, 'did:plc:a', NOW_US - 7 * DAY_US)
    expect(r.ok && r.value.map((p) => (p.record as { text: string }).text)).toEqual(['0.5', '1.5', '2.5', '3.5'])
    // The third page holds the first post past the window: no fourth request.
    expect(seen).toEqual(['', '2', '4'])
  })

  it('waits out 429s (Retry-After) instead of failing', async () => {
    seen.length = 0
    refuse = 3
    const r = await listRecentPosts(politeGet({ perHostPerSec: 1000 }), base, 'did:plc:a', NOW_US - 7 * DAY_US)
    expect(r.ok && r.value).toHaveLength(4)
    expect(seen.length).toBe(3 + 3)
  })

  it('gives up, with a clear error, when the PDS keeps refusing', async () => {
    refuse = 100
    const r = await listRecentPosts(politeGet({ perHostPerSec: 1000, maxRetries: 2 }), base, 'did:plc:a', 0)
    expect(r).toEqual({ ok: false, error: 'cannot list posts of did:plc:a: HTTP 429 (rate limited)' })
    refuse = 0
  })

  it.each([['3kabcdefghij2', true], ['self', false], ['3kabcdefghij', false]])('tidTimeUs(%s) decodes only TIDs', (rkey, isTid) => {
    expect(tidTimeUs(rkey) !== undefined).toBe(isTid)
  })

  it('tidTimeUs inverts nextTid', () => expect(tidTimeUs(nextTid(1_700_000_000_000_000))).toBeGreaterThanOrEqual(1_700_000_000_000_000))
})
