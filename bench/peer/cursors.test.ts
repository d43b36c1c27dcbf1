import { describe, expect, it } from 'vitest'
import { requestLines } from '../load-tool.js'
import { cursorsAt, kitCursorsAt, spreadPositions, walkCursors, type Page } from './cursors.js'
import { indexedAtOf } from './kit-db.js'

// A feed of `n` posts, newest first, whose cursor is the index of the next post: the walker must
// only pass cursors back, never read them.
const fakeFeed = (n: number) => (cursor: string | undefined, limit: number): Page => {
  const from = cursor === undefined ? 0 : Number(cursor)
  const feed = Array.from({ length: Math.max(0, Math.min(limit, n - from)) }, (_, i) => `post${from + i}`)
  return { feed, ...(from + feed.length < n ? { cursor: String(from + feed.length) } : {}) }
}

describe('walkCursors', () => {
  it('returns the cursor after each page with the posts above it, and stops where the feed ends', async () => {
    const walked = await walkCursors((c) => fakeFeed(250)(c, 100), 100, 10)
    expect(walked).toEqual([{ position: 100, cursor: '100' }, { position: 200, cursor: '200' }])
  })

  it('stops after maxPages', async () => {
    expect(await walkCursors((c) => fakeFeed(10_000)(c, 10), 10, 3)).toHaveLength(3)
  })

  it('refuses a page longer than the limit', async () => {
    await expect(walkCursors(() => ({ feed: [1, 2, 3], cursor: 'x' }), 2, 5)).rejects.toThrow('above the limit')
  })
})

describe('spreadPositions', () => {
  it('spreads `count` multiples of the page size through the feed, each above its last post', () => {
    const ps = spreadPositions(875_000, 1000, 100)
    expect(ps).toHaveLength(1000)
    expect(ps[0]).toBe(800)
    expect(ps.at(-1)).toBe(800_000)
    expect(new Set(ps).size).toBe(1000)
  })

  it('gives fewer when the feed is short', () => {
    expect(spreadPositions(87_500, 1000, 100)).toHaveLength(874)
    expect(spreadPositions(250, 1000, 100)).toEqual([100, 200])
  })
})

describe('cursorsAt', () => {
  it('picks the walked cursors at the positions asked, and throws for one not reached', () => {
    const walked = [{ position: 100, cursor: 'a' }, { position: 200, cursor: 'b' }]
    expect(cursorsAt(walked, [200, 100])).toEqual(['b', 'a'])
    expect(() => cursorsAt(walked, [300])).toThrow('no cursor after 300')
  })
})

describe('kitCursorsAt', () => {
  it('is the kit\'s cursor after that many of its newest posts: the last one\'s indexedAt in ms', () => {
    const sortUs = [1_000_000_000_123_456, 1_000_000_001_000_999, 1_000_000_002_500_000]
    const times = sortUs.map(indexedAtOf)
    expect(kitCursorsAt(times, [1, 3])).toEqual(['1000000002500', '1000000000123'])
    expect(() => kitCursorsAt(times, [4])).toThrow()
  })
})

describe('requestLines', () => {
  it('writes one `path<TAB>authorization` line per request, and refuses a tab or newline inside', () => {
    expect(requestLines([{ path: '/a?x=1' }, { path: '/b', authorization: 'Bearer t' }])).toBe('/a?x=1\t\n/b\tBearer t\n')
    expect(() => requestLines([{ path: '/a\nb' }])).toThrow()
  })
})
