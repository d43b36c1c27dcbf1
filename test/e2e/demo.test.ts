import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { freePort } from '../support/node-process.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

it('npm run demo prints a feed with the demo posts, serves it, and stops on Ctrl-C', async () => {
  const port = await freePort()
  const child = spawn('npm', ['run', 'demo', '--silent'], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' } })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')))
  child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')))
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()))
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo did not get ready:\n${out}`)), 90_000)
      child.stdout.on('data', () => out.includes('Press Ctrl-C') && (clearTimeout(timer), resolve()))
      child.once('close', () => (clearTimeout(timer), reject(new Error(`demo exited early:\n${out}`))))
    })
    const feedLines = out.split('Feed skeleton (newest first):\n')[1]!.split('\n\n')[0]!.trim().split('\n').map((l) => l.trim())
    // Four posts were written; alice hid carol's spam, so three are served.
    expect(feedLines).toHaveLength(3)
    for (const l of feedLines) expect(l).toMatch(/^at:\/\/did:plc:[a-z0-9]+\/app\.bsky\.feed\.post\/[a-z0-9]+$/)
    const curl = /curl '([^']*getFeedSkeleton[^']*)'/.exec(out)![1]!
    const served = (await (await fetch(curl)).json()) as { feed: { post: string }[] }
    expect(served.feed.map((f) => f.post)).toEqual(feedLines)
    // The web app, set up to sign in through the demo PDS with the printed accounts.
    const app = /Web app: (\S+)/.exec(out)![1]!
    expect(app).toBe(`http://127.0.0.1:${port}/`)
    expect(out).toMatch(/alice\.test.*bob\.test.*carol\.test.*password for all: \S+/)
    const page = await fetch(/community page: (\S+)/.exec(out)![1]!)
    expect(page.headers.get('content-type')).toMatch(/text\/html/)
    expect(await page.text()).toContain('<div id="app">')
    const settings = (await (await fetch(`${app}app-config.json`)).json()) as { handleResolverUrl: string; plcUrl: string }
    expect(settings.handleResolverUrl).toMatch(/^http:\/\/localhost:\d+$/)
    expect(out).toContain(`PDS ${settings.handleResolverUrl}`)
  } finally {
    try {
      process.kill(-child.pid!, 'SIGINT')
    } catch {}
    await closed
  }
}, 120_000)
