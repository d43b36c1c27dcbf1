import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from './node-process.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** `wrangler dev --local` on 127.0.0.1 with its own state folder, in its own process group. */
export class WranglerDev {
  private constructor(
    private readonly child: ChildProcess,
    private readonly stateDir: string,
    readonly base: string,
    private readonly out: { text: string },
  ) {}

  get output(): string {
    return this.out.text
  }

  static async start(vars: Record<string, string>): Promise<WranglerDev> {
    const stateDir = mkdtempSync(join(tmpdir(), 'atrarium-wrangler-'))
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const child = spawn('npx', ['wrangler', 'dev', '--local', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', stateDir, ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`])], {
      cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' },
    })
    const out = { text: '' }
    child.stdout!.on('data', (d: Buffer) => (out.text += d))
    child.stderr!.on('data', (d: Buffer) => (out.text += d))
    const dev = new WranglerDev(child, stateDir, base, out)
    const deadline = Date.now() + 60_000
    for (;;) {
      if (await fetch(`${base}/app-config.json`).then((r) => r.ok, () => false)) return dev
      if (child.exitCode !== null || Date.now() > deadline) {
        await dev.stop()
        throw new Error(`wrangler dev did not start:\n${out.text}`)
      }
      await new Promise((r) => setTimeout(r, 250))
    }
  }

  async stop(): Promise<void> {
    if (this.child.pid && this.child.exitCode === null) {
      const closed = new Promise((r) => this.child.once('close', r))
      process.kill(-this.child.pid, 'SIGTERM')
      await closed
    }
    rmSync(this.stateDir, { recursive: true, force: true })
  }
}
