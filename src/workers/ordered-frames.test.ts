import { describe, expect, it } from 'vitest'
import type { CommitVerdict } from '../core/commit-verifier.js'
import { silentLogger } from '../core/logger.js'
import { OrderedFrames } from './ordered-frames.js'

const settle = () => new Promise((r) => setTimeout(r, 0))
const verdict = (outcome: 'verified' | 'unchecked'): CommitVerdict => ({ outcome })

describe('OrderedFrames', () => {
  it.each([
    { name: 'nothing waits: each frame is handed on at once', slow: [] as number[], reset: false, want: ['a', 'b', 'c'] },
    { name: 'a dropped frame behind a slow verification waits for it', slow: [0], reset: false, want: ['a:verified', 'b', 'c:verified'] },
    { name: 'a reset forgets what still waits (the stream replays it)', slow: [0], reset: true, want: [] },
  ])('$name', async ({ slow, reset, want }) => {
    const out: string[] = []
    const frames = new OrderedFrames<string>((raw, _passed, v) => out.push(v ? `${raw}:${v.outcome}` : raw), silentLogger)
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const verify = (i: number) => async () => {
      if (slow.includes(i)) await gate
      return verdict('verified')
    }
    if (slow.length === 0) ['a', 'b', 'c'].forEach((raw) => frames.push(raw, false))
    else {
      frames.push('a', true, verify(0))
      frames.push('b', false)
      frames.push('c', true, verify(2))
      await settle()
      expect(out).toEqual([])
      expect(frames.waiting).toBe(3)
      if (reset) frames.reset()
      release()
      for (let i = 0; i < 5; i++) await settle()
    }
    expect(out).toEqual(want)
    expect(frames.waiting).toBe(0)
  })
})
