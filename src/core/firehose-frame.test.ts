import { describe, expect, it } from 'vitest'
import { encodeFrame, expectedJetstream, relayFrames } from '../../test/support/firehose-frames.js'
import type { RecordEvent } from './events.js'
import { decodeFirehoseFrame } from './firehose-frame.js'
import { NSID, WANTED_COLLECTIONS } from './nsid.js'
import { datetimeToUs } from './time.js'

const WANTED = new Set<string>(WANTED_COLLECTIONS)
const frames = relayFrames()
const expected = expectedJetstream()
const key = (did: string, rev: string, e: { collection: string; rkey: string; op: string }) =>
  `${did} ${rev} ${e.collection}/${e.rkey} ${e.op}`

/** Every commit of the window, decoded with no collection filter, beside its rev. */
function decodeAll(collections: ReadonlySet<string>) {
  const out: { rev: string; event: RecordEvent }[] = []
  for (const frame of frames) {
    const m = decodeFirehoseFrame(frame, collections)
    if (!m.ok) throw new Error(m.error)
    if (m.value.type === 'commit') {
      expect(m.value.problems).toEqual([])
      for (const event of m.value.events) out.push({ rev: m.value.rev, event })
    }
  }
  return out
}

describe('decodeFirehoseFrame on a real relay window', () => {
  const jetstreamCommits = expected.filter((e) => e.kind === 'commit')

  it('has the 150 frames of the capture', () => {
    expect(frames.length).toBe(150)
  })

  it('turns every commit into the events Jetstream served, matched by (did, rev, collection, rkey, operation)', () => {
    const everything = new Set(jetstreamCommits.map((e) => e.commit.collection as string))
    const got = decodeAll(everything).map(({ rev, event }) => key(event.did, rev, event))
    const want = jetstreamCommits.map((e) => key(e.did, e.commit.rev, { ...e.commit, op: e.commit.operation }))
    expect(got).toEqual(want)
    expect(got.length).toBe(150)
  })

  it('keeps only the wanted collections, with the records Jetstream served, the seq as cursor and the commit time', () => {
    const got = decodeAll(WANTED)
    const want = jetstreamCommits.filter((e) => WANTED.has(e.commit.collection))
    expect(got.map(({ rev, event }) => key(event.did, rev, event))).toEqual(
      want.map((e) => key(e.did, e.commit.rev, { ...e.commit, op: e.commit.operation })),
    )
    const creates = got.filter(({ event }) => event.collection === NSID.post && event.op === 'create')
    expect(creates.length).toBe(want.filter((e) => e.commit.collection === NSID.post && e.commit.operation === 'create').length)
    expect(creates.length).toBeGreaterThan(10)
    for (const [i, { event }] of got.entries()) {
      const j = want[i]!
      if (event.op !== 'delete') {
        expect(event.record).toEqual(j.commit.record)
        expect(event.cid).toBe(j.commit.cid)
      }
      expect(Number.isSafeInteger(event.cursor)).toBe(true)
      // Jetstream assigns time_us itself; the firehose event time is the commit's own `time`.
      expect(Math.abs(event.timeUs - j.time_us)).toBeLessThan(60_000_000)
    }
  })

  it('gives seqs in capture order, an account event for #account and nothing for #identity', () => {
    const seqs: number[] = []
    const others: string[] = []
    const accounts: unknown[] = []
    for (const frame of frames) {
      const m = decodeFirehoseFrame(frame, WANTED)
      if (m.ok && m.value.type === 'commit') seqs.push(m.value.seq)
      if (m.ok && m.value.type === 'other') others.push(m.value.t)
      if (m.ok && m.value.type === 'account') accounts.push(m.value.event)
    }
    expect(seqs.length).toBe(148)
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    expect(others).toEqual(['#identity'])
    expect(accounts).toEqual([expect.objectContaining({ op: 'account', active: expect.any(Boolean) })])
  })

  const time = '2026-07-04T12:00:00.123456Z'
  const commit = { seq: 7, repo: 'did:plc:alice', rev: '3mabc', time, ops: [], blocks: { $bytes: '' } }
  it.each([
    { name: 'not CBOR', frame: Buffer.from('{"op":1}'), want: /not DAG-CBOR/ },
    { name: 'truncated', frame: encodeFrame({ op: 1, t: '#commit' }, commit).subarray(0, 20), want: /not DAG-CBOR/ },
    { name: 'no header op', frame: encodeFrame({ t: '#commit' }, commit), want: /op and t/ },
    { name: 'bad repo', frame: encodeFrame({ op: 1, t: '#commit' }, { ...commit, repo: 'alice' }), want: /repo/ },
    { name: 'bad time', frame: encodeFrame({ op: 1, t: '#commit' }, { ...commit, time: 'yesterday' }), want: /time/ },
    { name: 'no seq', frame: encodeFrame({ op: 1, t: '#commit' }, { ...commit, seq: 'x' }), want: /seq/ },
  ])('rejects a malformed frame: $name', ({ frame, want }) => {
    const m = decodeFirehoseFrame(frame, WANTED)
    expect(m.ok).toBe(false)
    if (!m.ok) expect(m.error).toMatch(want)
  })

  it.each([
    { name: 'info', header: { op: 1, t: '#info' }, body: { name: 'OutdatedCursor', message: 'too old' }, want: { type: 'info', name: 'OutdatedCursor', message: 'too old' } },
    { name: 'error', header: { op: -1 }, body: { error: 'FutureCursor' }, want: { type: 'error', error: 'FutureCursor', message: undefined } },
    { name: 'sync', header: { op: 1, t: '#sync' }, body: { seq: 9, did: 'did:plc:alice' }, want: { type: 'other', t: '#sync', seq: 9 } },
  ])('reads $name frames', ({ header, body, want }) => {
    expect(decodeFirehoseFrame(encodeFrame(header, body), WANTED)).toEqual({ ok: true, value: want })
  })

  it('reports an op whose block is missing and keeps the other ops; time keeps microseconds', () => {
    const ops = [
      { action: 'delete', path: `${NSID.post}/3mpost1`, cid: null },
      { action: 'create', path: `${NSID.post}/3mpost2`, cid: { $link: 'bafyreigdmzwt3yd6z5k3ndpq5xwpb5cb3ds4jq6ztrbt2lpsmmgkqkmesm' } },
    ]
    const m = decodeFirehoseFrame(encodeFrame({ op: 1, t: '#commit' }, { ...commit, ops }), WANTED)
    expect(m.ok && m.value.type === 'commit' && m.value.events).toEqual([
      { did: 'did:plc:alice', collection: NSID.post, rkey: '3mpost1', timeUs: datetimeToUs(time), cursor: 7, op: 'delete' },
    ])
    expect(m.ok && m.value.type === 'commit' && m.value.problems).toEqual([expect.stringMatching(/no block/)])
  })
})

describe('firehose event times', () => {
  it('caps a commit time in the future at the time the frame is read, so it cannot pin a post (SPEC §4)', () => {
    const future = { seq: 9, repo: 'did:plc:alice', rev: '3mabc', time: '9999-12-31T23:59:59.999Z', ops: [], blocks: { $bytes: '' } }
    const m = decodeFirehoseFrame(encodeFrame({ op: 1, t: '#commit' }, future), WANTED, 1_700_000_000_000_000)
    expect(m.ok && m.value.type === 'commit').toBe(true)
    const account = decodeFirehoseFrame(encodeFrame({ op: 1, t: '#account' }, { seq: 10, did: 'did:plc:alice', time: future.time, active: false, status: 'takendown' }), WANTED, 1_700_000_000_000_000)
    expect(account.ok && account.value.type === 'account' && account.value.event).toEqual({ op: 'account', did: 'did:plc:alice', active: false, status: 'takendown', timeUs: 1_700_000_000_000_000, cursor: 10 })
  })
})
