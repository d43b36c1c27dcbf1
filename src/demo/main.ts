import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { serve } from '@hono/node-server'
import { TestNetworkNoAppView } from '@atproto/dev-env'
import { pino } from 'pino'
import { runCli } from '../cli/main.js'
import { nextTid } from '../records/tid.js'
import { loadConfig } from '../config.js'
import { NSID } from '../core/nsid.js'
import { createContext } from '../node/context.js'

/**
 * `npm run demo`: a local PLC and PDS, the feed generator on that PDS's firehose, and a demo
 * community written through the CLI's own code. For a first look with no Bluesky account.
 */
const PASSWORD = 'demo-password'
const say = (s = '') => process.stdout.write(`${s}\n`)

async function cli(args: string[], env: Record<string, string>): Promise<any> {
  let out = ''
  let errText = ''
  const sink = (f: (s: string) => void) => new Writable({ write: (chunk, _enc, cb) => (f(String(chunk)), cb()) })
  const code = await runCli([...args, '--json'], env, { stdout: sink((s) => (out += s)), stderr: sink((s) => (errText += s)) })
  if (code !== 0) throw new Error(`atrarium ${args.join(' ')} failed: ${errText.trim()}`)
  return JSON.parse(out)
}

const net = await TestNetworkNoAppView.create({})
const pdsUrl = new URL(net.pds.url) // dev-env listens on every interface; we talk to localhost.
const dataDir = mkdtempSync(join(tmpdir(), 'atrarium-demo-'))
// The web app signs in through this PDS (its handles end in .test, which only it resolves).
const loaded = loadConfig({
  ...process.env, ATRARIUM_DATA_DIR: dataDir, ATRARIUM_FIREHOSE_URL: `ws://localhost:${pdsUrl.port}`, ATRARIUM_PLC_URL: net.plc.url,
  ATRARIUM_HANDLE_RESOLVER_URL: net.pds.url, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
})
if (!loaded.ok) throw new Error(loaded.error)
const config = loaded.value
const ctx = createContext(config, pino({ level: config.logLevel }))
const server = serve({ fetch: ctx.app.fetch, hostname: config.host, port: config.port })
await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject))
ctx.ingest.start()

const users: Record<string, { did: string; env: Record<string, string> }> = {}
for (const name of ['alice', 'bob', 'carol']) {
  const res = await net.pds.getClient().createAccount({ handle: `${name}.test`, email: `${name}@demo.test`, password: PASSWORD })
  users[name] = { did: res.data.did, env: { ATRARIUM_HANDLE: `${name}.test`, ATRARIUM_APP_PASSWORD: PASSWORD, ATRARIUM_PLC_URL: net.plc.url } }
}
const pds = ['--pds', net.pds.url]
const community = await cli(['community', 'create', '--name', 'Demo birdwatchers', '--description', 'Atrarium demo community', ...pds], users.alice!.env)
await cli(['join', community.uri, ...pds], users.bob!.env)
await cli(['join', community.uri, ...pds], users.carol!.env)
const posts: string[] = []
for (const [name, text] of [['alice', `Welcome to the demo community! ${community.hashtag}`], ['bob', `Saw a heron today ${community.hashtag}`], ['carol', `Buy cheap sunglasses ${community.hashtag}`], ['bob', `A kingfisher too ${community.hashtag}`]] as const) {
  const agent = net.pds.getClient()
  await agent.login({ identifier: `${name}.test`, password: PASSWORD })
  const res = await agent.com.atproto.repo.createRecord({ repo: users[name]!.did, collection: NSID.post, rkey: nextTid(), record: { $type: NSID.post, text, createdAt: new Date().toISOString() } })
  posts.push(res.data.uri)
}
await cli(['hide', posts[2]!, '--community', community.uri, '--reason', 'Spam post', ...pds], users.alice!.env)

// Wait until the index has caught up with everything the PDS sequenced (bounded).
const target = (await net.pds.ctx.sequencer.curr()) ?? 0
for (let i = 0; i < 400 && (ctx.ingest.cursor ?? 0) < target; i++) await new Promise((r) => setTimeout(r, 25))

const base = `http://${config.host}:${config.port}`
const feedUri = `at://${users.alice!.did}/${NSID.feedGenerator}/${community.id}`
const skeletonUrl = `${base}/xrpc/${NSID.getFeedSkeleton}?feed=${encodeURIComponent(feedUri)}`
const skeleton = (await (await fetch(skeletonUrl)).json()) as { feed: { post: string }[] }
say(`Atrarium demo: PDS ${net.pds.url}, PLC ${net.plc.url}, feed generator ${base}`)
say()
say(`Web app: ${base}/`)
say(`  sign in with Bluesky as alice.test (owner), bob.test or carol.test (members); password for all: ${PASSWORD}`)
say(`  community page: ${base}/community/${users.alice!.did}/${community.uri.split('/').pop()}`)
say(`Community "Demo birdwatchers" ${community.uri}`)
say(`  id ${community.id}, hashtag ${community.hashtag}; members alice, bob, carol; alice hid carol's spam post`)
say()
say('Feed skeleton (newest first):')
for (const f of skeleton.feed) say(`  ${f.post}`)
say()
say('Try:')
say(`  curl '${skeletonUrl}'`)
say(`  curl '${base}/xrpc/${NSID.describeFeedGenerator}'`)
say(`  curl '${base}/.well-known/did.json'`)
say()
say('Press Ctrl-C to stop.')

let stopping = false
async function stop(): Promise<void> {
  if (stopping) return
  stopping = true
  await ctx.ingest.close()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await ctx.signatures.close()
  ctx.driver.close()
  await net.close()
  rmSync(dataDir, { recursive: true, force: true })
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
