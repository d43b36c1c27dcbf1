import { describe, expect, it } from 'vitest'
import { TokenBucket } from './token-bucket.js'

describe('TokenBucket', () => {
  it.each<[string, number[], number]>([
    ['a burst, then nothing until refilled', [0], 4],
    ['half a second refills half the rate', [0, 500], 4 + 1],
    ['a long pause refills only up to the burst', [0, 60_000], 4 + 4],
    ['a clock that steps back takes nothing away', [1000, 0, 1000], 4 + 0 + 2],
  ])('%s', (_name, times, granted) => {
    let nowMs = times[0]!
    const bucket = new TokenBucket({ perSec: 2, burst: 4, now: () => nowMs })
    let taken = 0
    for (const t of times) {
      nowMs = t
      for (let i = 0; i < 10; i++) if (bucket.take()) taken++
    }
    expect(taken).toBe(granted)
  })
})
