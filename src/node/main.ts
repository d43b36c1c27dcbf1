import { serve } from '@hono/node-server'
import { pino } from 'pino'
import { loadConfig } from '../config.js'
import { createContext } from './context.js'
import { SERVER_OPTIONS } from './server-options.js'

const loaded = loadConfig(process.env)
if (!loaded.ok) {
  console.error(`atrarium: invalid configuration\n${loaded.error}`)
  process.exit(1)
}
const config = loaded.value
const log = pino({ level: config.logLevel, base: { service: 'atrarium' } })
const ctx = createContext(config, log)

const server = serve({ fetch: ctx.app.fetch, hostname: config.host, port: config.port, serverOptions: SERVER_OPTIONS }, (info) => {
  log.info({ host: info.address, port: info.port, serviceDid: config.serviceDid, dataDir: config.dataDir }, 'listening')
})
server.on('error', (e) => {
  log.fatal({ err: e }, 'server failed')
  process.exit(1)
})
ctx.checkpointer.start()
// Before the stream writes: whether the index is new is decided on what was there at start.
ctx.firstStart.start(ctx.ingest.sourceKey)
ctx.ingest.start()
ctx.retention.start()
ctx.joinBackfill.start()

let stopping: Promise<void> | undefined
async function shutdown(signal: string): Promise<void> {
  log.info({ signal }, 'shutting down')
  // Finish the batch in flight and save the cursor before the database closes.
  await ctx.firstStart.close()
  await ctx.joinBackfill.close()
  await ctx.ingest.close()
  await ctx.retention.close()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  const cursor = ctx.ingest.cursor ?? null
  await ctx.signatures.close()
  await ctx.checkpointer.close()
  ctx.driver.close()
  log.info({ cursor }, 'stopped')
}
function stop(reason: string): void {
  stopping ??= shutdown(reason).then(
    () => process.exit(0),
    (e) => {
      log.fatal({ err: e }, 'shutdown failed')
      process.exit(1)
    },
  )
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop(signal))

// npm does not forward SIGTERM to the script it runs: `kill <npm pid>` orphans us. Notice the
// re-parenting and shut down cleanly, as if the signal had arrived.
if (process.env.npm_lifecycle_event) {
  const parent = process.ppid
  setInterval(() => process.ppid !== parent && stop('parent exited'), 500).unref()
}
