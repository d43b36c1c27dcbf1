/**
 * `npm run soak -- --minutes N --kills K [--mode jetstream|firehose] [--rate R] [--seed S]
 * [--max-rss-mib M] [--burst F]`: the soak test of bench/soak.ts. Prints progress and a summary;
 * exits 1 on any failure (a lost, stale or duplicated row, a feed unlike the model's, RSS above the
 * bound), 2 on a bad command line.
 */
import { formatSoak, runSoak, SOAK_DEFAULTS, type SoakMode, type SoakOptions } from './soak.js'

function parse(argv: string[]): SoakOptions | string {
  const opts: Partial<SoakOptions> = { ...SOAK_DEFAULTS }
  const numbers: Record<string, keyof SoakOptions> = {
    '--minutes': 'minutes', '--kills': 'kills', '--rate': 'rate', '--seed': 'seed', '--max-rss-mib': 'maxRssMiB', '--burst': 'burstFactor',
  }
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i]!, argv[i + 1]]
    if (value === undefined) return `${flag} needs a value`
    if (flag === '--mode') {
      if (value !== 'jetstream' && value !== 'firehose') return `--mode is jetstream or firehose (got ${value})`
      opts.mode = value as SoakMode
      continue
    }
    const key = numbers[flag]
    const n = Number(value)
    if (!key) return `unknown option ${flag}`
    if (!Number.isFinite(n) || n < 0) return `${flag} must be a number ≥ 0 (got ${value})`
    ;(opts as Record<string, unknown>)[key] = n
  }
  if (opts.minutes === undefined || opts.kills === undefined) return '--minutes and --kills are required'
  if (opts.minutes <= 0 || opts.rate! <= 0 || !Number.isInteger(opts.kills)) return '--minutes and --rate must be above 0, --kills a whole number'
  return opts as SoakOptions
}

const opts = parse(process.argv.slice(2))
if (typeof opts === 'string') {
  console.error(`soak: ${opts}\nusage: npm run soak -- --minutes N --kills K [--mode jetstream|firehose] [--rate R] [--seed S] [--max-rss-mib M] [--burst F]`)
  process.exit(2)
}
// Ctrl-C or a TERM: the run stops, kills the host it started and removes its files, then fails.
const stop = new AbortController()
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort())
const stamp = () => new Date().toISOString().slice(11, 19)
const result = await runSoak({ ...opts, signal: stop.signal, log: (line) => console.log(`[${stamp()}] ${line}`) })
console.log(formatSoak(result, opts))
process.exit(result.ok ? 0 : 1)
