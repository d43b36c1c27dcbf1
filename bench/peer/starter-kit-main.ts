/**
 * Runs the starter-kit model (starter-kit.ts) as the kit's src/index.ts runs the kit, configured by
 * the same FEEDGEN_* environment with the same defaults, so `--peer` starts it exactly as it starts a
 * checkout with `--peer-dir`. One addition: BENCH_KIT_PLC_URL, where DIDs resolve (the kit's is
 * https://plc.directory). There is no firehose, so FEEDGEN_SUBSCRIPTION_* are not read.
 *   FEEDGEN_SQLITE_LOCATION=kit.sqlite FEEDGEN_PORT=3000 node --import tsx bench/peer/starter-kit-main.ts
 */
import { createKit } from './starter-kit.js'

// src/index.ts treats an empty variable as unset, and a port that is not a number as unset.
const str = (name: string): string | undefined => process.env[name] || undefined
const int = (name: string): number | undefined => {
  const n = Number.parseInt(process.env[name] ?? '', 10)
  return Number.isNaN(n) ? undefined : n
}

const hostname = str('FEEDGEN_HOSTNAME') ?? 'example.com'
const cfg = {
  port: int('FEEDGEN_PORT') ?? 3000,
  listenhost: str('FEEDGEN_LISTENHOST') ?? 'localhost',
  sqliteLocation: str('FEEDGEN_SQLITE_LOCATION') ?? ':memory:',
  publisherDid: str('FEEDGEN_PUBLISHER_DID') ?? 'did:example:alice',
  serviceDid: str('FEEDGEN_SERVICE_DID') ?? `did:web:${hostname}`,
  plcUrl: str('BENCH_KIT_PLC_URL') ?? 'https://plc.directory',
}
await createKit(cfg).start()
console.log(`starter-kit model listening at http://${cfg.listenhost}:${cfg.port}`)
