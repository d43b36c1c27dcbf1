import { describe, expect, it } from 'vitest'
import { encodeFrame, relayFrames } from '../../test/support/firehose-frames.js'
import { decodeFirehoseFrame } from './firehose-frame.js'
import { indexOfBytes, isCommitFrame, namesCommunity, passesFirehosePrefilter, peekRepo, peekSeq } from './firehose-prefilter.js'
import { NSID, WANTED_COLLECTIONS } from './nsid.js'

const frames = relayFrames()
const decoded = frames.map((f) => {
  const m = decodeFirehoseFrame(f, new Set(WANTED_COLLECTIONS))
  if (!m.ok) throw new Error(m.error)
  return m.value
})
const commits = decoded.flatMap((m, i) => (m.type === 'commit' ? [{ i, m }] : []))
// The window's one post delete (frame 142, Jetstream line 145).
const postDelete = commits.find(({ m }) => m.events.some((e) => e.collection === NSID.post && e.op === 'delete'))!
const author = postDelete.m.did
const otherPoster = commits.find(({ m }) => m.did !== author && m.events.some((e) => e.collection === NSID.post))!.m.did

describe('firehose stage 1 on the real relay window', () => {
  it('peeks seq and repo without decoding, exactly as the decoder reads them', () => {
    for (const [i, m] of decoded.entries()) {
      if (m.type === 'commit') {
        expect(peekSeq(frames[i]!)).toBe(m.seq)
        expect(peekRepo(frames[i]!)).toBe(m.did)
      } else if (m.type === 'other') {
        expect(peekSeq(frames[i]!)).toBe(m.seq)
      }
    }
    expect(frames.filter(isCommitFrame).length).toBe(148)
    expect(postDelete.i).toBe(142)
  })

  it.each([
    { name: 'nobody is an indexed author', authors: [] as string[], passing: [] as number[] },
    { name: 'the author of the post delete is indexed', authors: [author], passing: [142] },
    { name: 'someone whose frames only create posts is indexed', authors: [otherPoster], passing: [] },
  ])('drops every commit that names no community unless it may change a known post: $name', ({ authors, passing }) => {
    const known = new Set(authors)
    const passed = frames.flatMap((f, i) => (isCommitFrame(f) && passesFirehosePrefilter(f, (d) => known.has(d)) ? [i] : []))
    expect(passed).toEqual(passing)
  })

  const commit = (ops: object[], text = 'hello') =>
    encodeFrame({ op: 1, t: '#commit' }, { seq: 5, repo: 'did:plc:bob', rev: '3m', time: '2026-07-04T00:00:00Z', ops, blocks: { $bytes: Buffer.from(text).toString('base64') } })
  const op = (action: string, path: string) => ({ action, path, cid: null })
  it.each([
    { name: 'community hashtag in a block', frame: commit([op('create', `${NSID.post}/1`)], 'hi #atrarium_0a1b2c3d'), known: false, pass: true },
    { name: 'atrarium record path', frame: commit([op('create', `${NSID.membership}/1`)]), known: false, pass: true },
    { name: 'post delete by a known author', frame: commit([op('delete', `${NSID.post}/1`)]), known: true, pass: true },
    { name: 'post update by a known author', frame: commit([op('update', `${NSID.post}/1`)]), known: true, pass: true },
    { name: 'post delete by an unknown author', frame: commit([op('delete', `${NSID.post}/1`)]), known: false, pass: false },
    { name: 'post create by a known author', frame: commit([op('create', `${NSID.post}/1`)]), known: true, pass: false },
    { name: 'like delete by a known author', frame: commit([op('delete', 'app.bsky.feed.like/1')]), known: true, pass: false },
    { name: 'the word delete in the blocks is not an op', frame: commit([op('create', `${NSID.post}/1`)], 'please delete'), known: true, pass: false },
  ])('$name → pass $pass', ({ frame, known, pass }) => {
    expect(isCommitFrame(frame)).toBe(true)
    expect(passesFirehosePrefilter(frame, (d) => known && d === 'did:plc:bob')).toBe(pass)
  })

  it.each([
    { text: 'hi #atrarium_0a1b2c3d', want: true },
    { text: 'net.atrarium.community.config', want: true },
    { text: 'atrarium', want: false },
    { text: 'the atrarium project, atrarium.net', want: false },
    { text: 'atrariumatrarium_', want: true },
  ])('namesCommunity($text) = $want, with the portable and the native search', ({ text, want }) => {
    expect(namesCommunity(Buffer.from(text))).toBe(want)
    expect(namesCommunity(Buffer.from(text), (h, n, from) => Buffer.from(h).indexOf(n, from))).toBe(want)
  })

  it.each([
    { hay: 'abcabd', needle: 'abd', want: 3 },
    { hay: 'aaa', needle: 'aaaa', want: -1 },
    { hay: 'xyz', needle: 'z', want: 2 },
    { hay: 'xyz', needle: '', want: 0 },
  ])('indexOfBytes($hay, $needle) = $want', ({ hay, needle, want }) => {
    expect(indexOfBytes(Buffer.from(hay), Buffer.from(needle))).toBe(want)
  })
})
