import { spawn } from 'node:child_process'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { atrarium } from '../support/cli-process.js'
import { until } from '../support/async.js'
import { createKey, didDocument, FakePlc } from '../support/fake-plc.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

/** An HTTP server that records every request and refuses every sign-in, as a PDS would a wrong password. */
async function trapPds(host: string) {
  const requests: { url: string; body: string }[] = []
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString('utf8')))
    req.on('end', () => {
      requests.push({ url: req.url ?? '', body })
      res.writeHead(401, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: 'AuthenticationRequired', message: 'Invalid identifier or password' }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  closers.push(() => new Promise((resolve) => server.close(() => resolve())))
  return { url: `http://${host}:${(server.address() as AddressInfo).port}`, requests }
}

const create = ['community', 'create', '--name', 'Birds']

describe('atrarium sign-in', () => {
  it('fails with exit 1, before any lookup, when no password is given and stdin is not a terminal', async () => {
    // The handle would need DNS to resolve; the error comes first.
    const r = await atrarium([...create, '--handle', 'alice.example.invalid'])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      'atrarium: this command needs an app password and stdin is not a terminal to ask for one: set ATRARIUM_APP_PASSWORD (or give --password)\n',
    )
  })

  it('refuses to send the password to a plain-http --pds that is not this machine, before connecting', async () => {
    // 127.0.0.2 is loopback too: only the names localhost, 127.0.0.1 and [::1] count.
    const trap = await trapPds('127.0.0.2')
    for (const pds of [trap.url, 'http://pds.example.invalid']) {
      const r = await atrarium([...create, '--handle', 'alice.test', '--pds', pds], { ATRARIUM_APP_PASSWORD: 'xxxx-xxxx' })
      expect(r.code).toBe(1)
      expect(r.stderr).toBe(
        `atrarium: refusing to send the app password to ${pds}: the PDS must use https (plain http only for localhost, 127.0.0.1 or [::1])\n`,
      )
    }
    expect(trap.requests).toEqual([])
  })

  it('refuses a plain-http PDS named by the DID document too', async () => {
    const trap = await trapPds('127.0.0.2')
    const plc = await FakePlc.start()
    closers.push(() => plc.close())
    const did = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz'
    const doc = (await didDocument(did, { atproto: await createKey('k256') })) as { service: unknown[] }
    doc.service.push({ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: trap.url })
    plc.docs.set(did, doc)
    const r = await atrarium([...create, '--handle', did, '--plc', plc.url, '--password', 'xxxx-xxxx'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`refusing to send the app password to ${trap.url}`)
    expect(plc.count(did)).toBe(1)
    expect(trap.requests).toEqual([])
  })

  it('asks for the password on a terminal without echoing it, and signs in with it', async () => {
    const pds = await trapPds('127.0.0.1')
    const secret = 'hunter2-abcd-efgh'
    // util-linux script(1) runs the CLI on a pseudo-terminal: its stdin is a TTY, as at a shell.
    const command = [process.execPath, 'bin/atrarium.mjs', ...create, '--handle', 'alice.test', '--pds', pds.url]
    const child = spawn('script', ['-qefc', command.map((a) => `'${a}'`).join(' '), '/dev/null'], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TERM: 'dumb' },
    })
    closers.push(async () => void child.kill('SIGKILL'))
    let shown = ''
    child.stdout.on('data', (d: Buffer) => (shown += d.toString('utf8')))
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve))
    // Typed only once the prompt is up, i.e. after the terminal's echo is off.
    await until(() => shown.includes('App password for alice.test: '), 'the prompt', 20_000)
    child.stdin.write(`${secret}\r`)
    expect(await exited).toBe(1)
    expect(pds.requests.map((r) => [r.url, JSON.parse(r.body)])).toEqual([
      ['/xrpc/com.atproto.server.createSession', { identifier: 'alice.test', password: secret }],
    ])
    expect(shown).toContain(`sign-in as alice.test at ${pds.url} failed`)
    expect(shown).not.toContain(secret)
  })
})
