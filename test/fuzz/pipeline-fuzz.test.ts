import { describe, expect, it } from 'vitest'
import { runPipelineFuzz, summary } from './pipeline-fuzz.js'

// A fixed seed, so a failure replays with `npm run fuzz -- 20000 --seed 11 --batch 250`.
describe('stage 1 + stage 2 + Indexer + reads on mutated real and synthesized frames', () => {
  it(
    'lets no exception escape, fails no event, and answers every read with a Result',
    { timeout: 60_000 },
    () => {
      const r = runPipelineFuzz({ frames: 20_000, seed: 11, batchFrames: 250 })
      const why = `${summary(r)}\n${r.findings.map((f) => `[${f.kind}] ${f.stage}: ${f.error}\n  ${f.input ?? ''}`).join('\n')}`
      expect(r.escaped, why).toBe(0)
      expect(r.failed, why).toBe(0)
      expect(r.notResults, why).toBe(0)
      expect(r.cursorRejected, why).toBe(0)
      expect(r.invariantViolations, why).toBe(0)
      // The run must reach every outcome, or it proves nothing: frames dropped at stage 1, frames and
      // ops refused at stage 2, records refused by validation, and records and posts indexed.
      expect(r.passed).toBeGreaterThan(0)
      expect(r.passed).toBeLessThan(r.frames)
      expect(r.malformed).toBeGreaterThan(0)
      expect(r.invalid).toBeGreaterThan(0)
      expect(r.applied).toBeGreaterThan(1000)
      expect(r.cursorsFollowed).toBeGreaterThan(0)
    },
  )
})
