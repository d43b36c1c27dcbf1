import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createStream } from '../../test/support/stream-generator.js'
import { jetstreamSource } from './jetstream-source.js'

const samples = readFileSync(new URL('../../test/fixtures/samples.jsonl', import.meta.url), 'utf8').split('\n').filter(Boolean)
const gen = createStream({ seed: 5 })
const generated = Array.from({ length: 2000 }, () => gen.next().raw)
const timeOf = (raw: string) => (JSON.parse(raw) as { time_us: number }).time_us

describe('jetstreamSource', () => {
  const source = jetstreamSource({ url: 'ws://127.0.0.1:1/subscribe' })

  it.each([
    ['after stage 1 read the same frame', (raw: string) => (source.stage1(raw, () => false), source.cursorOf(raw))],
    ['after stage 1 read an equal copy of it', (raw: string) => (source.stage1(`${raw} `.trimEnd(), () => false), source.cursorOf(raw))],
    ['after stage 1 read another frame', (raw: string) => (source.stage1(samples[0]!, () => false), source.cursorOf(raw))],
    ['with no stage 1 at all', (raw: string) => source.cursorOf(raw)],
  ])('cursorOf is the frame time_us %s', (_name, cursorAfter) => {
    for (const raw of [...samples, ...generated]) expect(cursorAfter(raw)).toBe(timeOf(raw))
  })

  it('names the author of a passing post or membership frame, and of nothing else', () => {
    const post = JSON.stringify({ did: 'did:plc:p', time_us: 5, kind: 'commit', commit: { rev: 'r', operation: 'create', collection: 'app.bsky.feed.post', rkey: 'k', record: { text: '#atrarium_0a1b2c3d' } } })
    const config = JSON.stringify({ did: 'did:plc:c', time_us: 6, kind: 'commit', commit: { rev: 'r', operation: 'delete', collection: 'net.atrarium.community.config', rkey: 'k' } })
    // A new member's post deletes must pass while their join backfill runs (issue #13).
    const membership = JSON.stringify({ did: 'did:plc:m', time_us: 7, kind: 'commit', commit: { rev: 'r', operation: 'create', collection: 'net.atrarium.community.membership', rkey: 'k', record: {} } })
    expect(source.stage1(post, () => false)).toEqual({ pass: true, postAuthor: 'did:plc:p' })
    expect(source.stage1(membership, () => false)).toEqual({ pass: true, postAuthor: 'did:plc:m' })
    expect(source.stage1(config, () => false)).toEqual({ pass: true })
    expect(source.stage1(samples[0]!, () => false)).toEqual({ pass: false })
  })
})
