/**
 * `npm run fuzz -- <frames> [--seed N] [--batch N]`: mutated real and synthesized frames through
 * stage 1, stage 2, the Indexer on a real SQLite file, and the read queries (test/fuzz/pipeline-fuzz.ts).
 * Prints progress every 100,000 frames and a summary; exits 1 if any exception escaped or any
 * other finding (Indexer failure, rejected cursor, broken invariant) was made.
 */
import { runPipelineFuzz, summary } from './pipeline-fuzz.js'

const args = process.argv.slice(2)
const option = (name: string): string | undefined => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const positional = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'))
const frames = Number(positional ?? 100_000)
const seed = Number(option('--seed') ?? 1)
const batchFrames = Number(option('--batch') ?? 1000)
if (
  !Number.isSafeInteger(frames) ||
  frames <= 0 ||
  !Number.isSafeInteger(seed) ||
  !Number.isSafeInteger(batchFrames) ||
  batchFrames <= 0
) {
  console.error('usage: npm run fuzz -- <frames> [--seed N] [--batch N]')
  process.exit(2)
}

console.log(`fuzz: ${frames.toLocaleString('en')} frames, seed ${seed}, ${batchFrames} frames per batch`)
const report = runPipelineFuzz({
  frames,
  seed,
  batchFrames,
  keepFindings: 50,
  onProgress: (r) =>
    console.log(
      `  ${r.frames.toLocaleString('en')} frames · indexed ${r.applied} · refused ${r.invalid + r.malformed} · failed ${r.failed} · escaped ${r.escaped} · ${Math.round(r.frames / r.seconds)} frames/s`,
    ),
})
for (const f of report.findings)
  console.log(
    `finding [${f.kind}] ${f.stage}: ${f.error}${f.input ? `\n  input: ${f.input.slice(0, 600)}` : ''}`,
  )
console.log(summary(report))
const findings =
  report.escaped + report.failed + report.cursorRejected + report.notResults + report.invariantViolations
process.exit(findings > 0 ? 1 : 0)
