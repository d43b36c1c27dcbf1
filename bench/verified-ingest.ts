/**
 * Firehose ingest at ~1% match with commit verification on and off (ATRARIUM_VERIFY_COMMITS): the
 * Node host's StreamIngest + firehoseSource (+ the verifier the host builds, with its pooled
 * signature check) + Indexer + SqlStore on a temp file, fed by firehose-feeder.ts in its own process.
 * The passing frames are really signed, with their MST blocks, so verification does all its work;
 * the setup frames warm the key cache, as hours of running would.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../src/core/logger.js'
import { firehoseSource } from '../src/ingest/firehose-source.js'
import { firehoseVerifier } from '../src/ingest/firehose-verifier.js'
import { StreamIngest } from '../src/ingest/stream-ingest.js'
import { hostSignatureCheck, type HostSignatureCheck } from '../src/node/native-signature.js'
import { firehoseBenchFrames, writeFrames } from './firehose-frames.js'
import { timedIngestRun, type RunResult } from './ingest-run.js'
import { log, median, type Figure } from './lib.js'

const runOnce = (files: { setup: string; timed: string; docs: string }, frames: number, verify: boolean, signatures: HostSignatureCheck): Promise<RunResult> =>
  timedIngestRun({ script: new URL('./firehose-feeder.ts', import.meta.url), arg: files }, frames, (port, store, indexer) => {
    // As src/node/context.ts builds it; the feeder's port serves the PLC too.
    const verifier = verify ? firehoseVerifier({ plcUrl: `http://127.0.0.1:${port}`, webFetch: fetch, allowLocal: false, verifySignature: signatures.check }) : undefined
    const source = firehoseSource({ url: `ws://127.0.0.1:${port}`, passIdentity: verify })
    return new StreamIngest({ source, store, indexer, log: silentLogger, ...(verifier ? { verifier } : {}) })
  })

export async function benchVerifiedIngest(opts: { frames?: number; runs?: number } = {}): Promise<Figure[]> {
  const frames = opts.frames ?? 200_000
  const runs = opts.runs ?? 3
  const t = performance.now()
  const gen = await firehoseBenchFrames({ frames })
  log(`verified ingest: ${gen.setup.length} setup and ${frames} timed frames (${gen.passing} signed, passing stage 1) generated in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  const dir = mkdtempSync(join(tmpdir(), 'atrarium-bench-frames-'))
  const files = { setup: join(dir, 'setup.bin'), timed: join(dir, 'timed.bin'), docs: join(dir, 'docs.json') }
  writeFrames(files.setup, gen.setup)
  writeFrames(files.timed, gen.timed)
  writeFileSync(files.docs, JSON.stringify(gen.docs))
  const on: RunResult[] = []
  const off: RunResult[] = []
  // As the host has them: one set of checks (on a multi-core machine, one worker thread) for all runs.
  const signatures = hostSignatureCheck()
  try {
    await runOnce(files, frames, true, signatures) // warm-up, not counted
    // Alternating, so a noisy neighbour on the VM spreads over both.
    for (let r = 0; r < runs; r++) {
      off.push(await runOnce(files, frames, false, signatures))
      on.push(await runOnce(files, frames, true, signatures))
      log(`firehose 1% run ${r + 1}: verification off ${off.at(-1)!.fps.toFixed(0)} frames/s, on ${on.at(-1)!.fps.toFixed(0)} frames/s (${on.at(-1)!.verified} verified, ${on.at(-1)!.rejected} refused)`)
      if (on.at(-1)!.rejected > 0 || on.at(-1)!.verified !== gen.passing) throw new Error(`verification did not pass every signed commit: ${JSON.stringify(on.at(-1))}`)
    }
  } finally {
    await signatures.close()
    rmSync(dir, { recursive: true, force: true })
  }
  const note = `${frames} frames per run, ${gen.passing} of them signed commits verified, ${on[0]!.events} events indexed`
  return [
    { key: 'firehose_ingest_fps_1pct_verify_off', figure: 'firehose ingest at ~1% match, verification off, frames/s', unit: 'frames/s', median: median(off.map((m) => m.fps)), runs: off.map((m) => m.fps), note },
    { key: 'firehose_ingest_fps_1pct_verify_on', figure: 'firehose ingest at ~1% match, verification on, frames/s', unit: 'frames/s', median: median(on.map((m) => m.fps)), runs: on.map((m) => m.fps), note },
    { key: 'firehose_ingest_cpu_s_per_m_verify_off', figure: 'firehose ingest CPU s per million frames, verification off', unit: 'CPU s', median: median(off.map((m) => m.cpuSecPerM)), runs: off.map((m) => m.cpuSecPerM) },
    { key: 'firehose_ingest_cpu_s_per_m_verify_on', figure: 'firehose ingest CPU s per million frames, verification on', unit: 'CPU s', median: median(on.map((m) => m.cpuSecPerM)), runs: on.map((m) => m.cpuSecPerM) },
  ]
}
