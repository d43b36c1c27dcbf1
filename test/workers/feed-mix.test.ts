import { createMessageBatch, env } from 'cloudflare:test'
import { expect, it } from 'vitest'
import worker from '../../src/workers/index.js'
import { toJetstream } from '../support/events.js'
import { C, expectedMix, mixEvents, PER_SOURCE, sourceOf } from '../support/mix-scenario.js'
import { feedPath } from '../support/scenario.js'

const get = async (path: string) => {
  const res = await worker.fetch(new Request(`https://feeds.example.com${path}`), env)
  return { status: res.status, body: (await res.json()) as any }
}

it('the Worker serves the same 60/30/10 mix as the core and the Node host: 6/3/1 per page, nothing twice', async () => {
  const events = mixEvents()
  const frames = events.map((e) => JSON.stringify(toJetstream(e)))
  for (let i = 0; i < frames.length; i += 100) {
    const batch = createMessageBatch<string>('atrarium-firehose', frames.slice(i, i + 100).map((body, j) => ({ id: `mix${i + j}`, timestamp: new Date(), attempts: 1, body })))
    await worker.queue(batch as MessageBatch<unknown>, env)
  }
  const all: string[] = []
  let cursor = ''
  for (let page = 0; page < 100; page++) {
    const r = await get(feedPath(C.id, `&limit=10${cursor ? `&cursor=${cursor}` : ''}`))
    expect(r.status).toBe(200)
    const uris: string[] = r.body.feed.map((f: { post: string }) => f.post)
    if (page < 6) {
      const count = (s: string) => uris.filter((u) => sourceOf(u) === s || (s === 'own' && sourceOf(u) === 'both')).length
      expect([count('own'), count('parent'), count('global')]).toEqual([6, 3, 1])
    }
    all.push(...uris)
    if (!r.body.cursor) break
    cursor = r.body.cursor
  }
  expect(all).toHaveLength(PER_SOURCE * 3 + 1)
  expect(all).toEqual(expectedMix(events, 10))
})
