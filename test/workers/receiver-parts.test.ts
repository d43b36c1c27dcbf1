import { runInDurableObject, env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { NSID } from '../../src/core/nsid.js'
import { backoffDelayMs } from '../../src/core/backoff.js'
import { DoSqlDriver } from '../../src/workers/do-sql-driver.js'
import { frameText, toUpgradeUrl } from '../../src/workers/frame-socket.js'
import { chunkForSendBatch, utf8ByteLength } from '../../src/workers/queue-limits.js'
import { ReceiverState } from '../../src/workers/receiver-state.js'
import { jetstreamSource } from '../../src/ingest/jetstream-source.js'
import { del, postEvent, toJetstream } from '../support/events.js'

const raw = (e: Parameters<typeof toJetstream>[0]): string => JSON.stringify(toJetstream(e))

describe('receiver parts', () => {
  it('toUpgradeUrl turns ws/wss into http/https and keeps path and query', () => {
    expect(toUpgradeUrl('ws://127.0.0.1:1234/subscribe?cursor=5')).toBe('http://127.0.0.1:1234/subscribe?cursor=5')
    expect(toUpgradeUrl('wss://jetstream.example/subscribe?a=b')).toBe('https://jetstream.example/subscribe?a=b')
    expect(toUpgradeUrl('https://x.example/s')).toBe('https://x.example/s')
  })

  it('frameText refuses frames over the limit, counting UTF-8 bytes not UTF-16 units', () => {
    expect(frameText('abc', 3)).toBe('abc')
    expect(frameText('abcd', 3)).toBeUndefined()
    expect(frameText('éé', 4)).toBe('éé') // 2 units, 4 bytes
    expect(frameText('ééé', 5)).toBeUndefined() // 3 units, 6 bytes
    expect(frameText(new TextEncoder().encode('hé').buffer as ArrayBuffer, 3)).toBe('hé')
    expect(frameText(new ArrayBuffer(4), 3)).toBeUndefined()
  })

  it('utf8ByteLength matches TextEncoder, surrogate pairs and lone surrogates included', () => {
    for (const s of ['', 'a', 'é', '€', '😀', 'a😀b', '\ud800', '\udc00x', '#atrarium_0000000a、']) {
      expect(utf8ByteLength(s)).toBe(new TextEncoder().encode(s).byteLength)
    }
  })

  it('chunkForSendBatch keeps order and never yields an empty chunk', () => {
    const items = Array.from({ length: 205 }, (_, i) => ({ body: String(i), bytes: String(i).length }))
    const chunks = chunkForSendBatch(items)
    expect(chunks.map((c) => c.length)).toEqual([100, 100, 5])
    expect(chunks.flat()).toEqual(items.map((i) => i.body))
    expect(chunkForSendBatch([])).toEqual([])
    const big = Array.from({ length: 3 }, (_, i) => ({ body: String(i), bytes: 127_000 }))
    expect(chunkForSendBatch(big).map((c) => c.length)).toEqual([2, 1]) // three would pass 256 KB
  })

  it('backoff grows exponentially within [ceiling/2, ceiling] and is capped', () => {
    const o = { baseMs: 1_000, maxMs: 60_000 }
    expect(backoffDelayMs(0, o, () => 0)).toBe(500)
    expect(backoffDelayMs(0, o, () => 0.999999)).toBe(999)
    expect(backoffDelayMs(3, o, () => 0)).toBe(4_000)
    expect(backoffDelayMs(50, o, () => 1)).toBe(60_000)
  })

  it('stage 1 (the shared Jetstream source) lets a candidate author’s delete through, and the set survives in DO storage', async () => {
    const stub = env.FIREHOSE_RECEIVER.get(env.FIREHOSE_RECEIVER.idFromName('parts-authors'))
    const source = jetstreamSource({ url: 'ws://127.0.0.1:9/subscribe' })
    await runInDurableObject(stub, (_i, state) => {
      // What the receiver does with a verdict: remember the author, in memory and in storage.
      const store = new ReceiverState(new DoSqlDriver(state.storage))
      const authors = new Set(store.authors())
      const passes = (frame: string) => {
        const v = source.stage1(frame, (did) => authors.has(did))
        if ('control' in v) throw new Error('no control frames in Jetstream')
        if (v.postAuthor) (authors.add(v.postAuthor), store.addAuthor(v.postAuthor, 1))
        return v.pass
      }
      expect(passes(raw(del('did:plc:zed', NSID.post, 'p1')))).toBe(false)
      expect(passes(raw(postEvent('did:plc:zed', 'p1', 'hi #atrarium_0000000a')))).toBe(true)
      expect(passes(raw(del('did:plc:zed', NSID.post, 'p1')))).toBe(true)
      expect(passes(raw(postEvent('did:plc:yan', 'p2', 'plain post')))).toBe(false)

      // A new object after eviction is seeded from storage.
      const reborn = new Set(new ReceiverState(new DoSqlDriver(state.storage)).authors())
      expect([reborn.has('did:plc:zed'), reborn.has('did:plc:yan')]).toEqual([true, false])
    })
  })

  it('pruning forgets authors last seen before the cut-off', async () => {
    const stub = env.FIREHOSE_RECEIVER.get(env.FIREHOSE_RECEIVER.idFromName('parts-prune'))
    await runInDurableObject(stub, (_i, state) => {
      const DAY = 86_400_000_000
      const store = new ReceiverState(new DoSqlDriver(state.storage))
      store.addAuthor('did:plc:old', DAY + 100)
      store.addAuthor('did:plc:new', 3 * DAY)
      store.addAuthor('did:plc:old2', 50)
      store.addAuthor('did:plc:old2', 2 * DAY + 400) // seen again a day later: refreshed
      store.addAuthor('did:plc:old', DAY + 200) // seen again within the day: left as it was, nothing written
      expect(store.pruneAuthors(2 * DAY)).toBe(1)
      expect(store.authors().sort()).toEqual(['did:plc:new', 'did:plc:old2'])
    })
  })
})
