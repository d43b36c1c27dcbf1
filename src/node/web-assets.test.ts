import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createApp } from '../api/app.js'
import { silentLogger } from '../core/logger.js'
import { serveWebApp } from './web-assets.js'

const dir = mkdtempSync(join(tmpdir(), 'atrarium-web-assets-'))
mkdirSync(join(dir, 'assets'))
writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="app"></div>')
writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)')
writeFileSync(join(dir, 'bundle-size.json'), '{}')
writeFileSync(join(tmpdir(), 'atrarium-secret.txt'), 'secret')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function host(webDir = dir) {
  const app = createApp({ feeds: { getFeedSkeleton: () => { throw new Error('unused') }, describeFeedGenerator: () => ({ did: 'did:web:x', feeds: [] }) }, hostname: 'localhost', log: silentLogger })
  serveWebApp(app, webDir, silentLogger)
  return app
}

describe('serveWebApp', () => {
  it.each<[string, number, RegExp | undefined, string | undefined]>([
    ['/', 200, /text\/html/, 'no-cache'],
    ['/community/did:plc:abc/3kabc', 200, /text\/html/, 'no-cache'],
    ['/c/alice.test/0123abcd', 200, /text\/html/, 'no-cache'],
    ['/assets/index-abc123.js', 200, /javascript/, 'public, max-age=31536000, immutable'],
    ['/bundle-size.json', 200, /json/, 'no-cache'],
    ['/assets/missing.js', 404, /json/, undefined],
    ['/../atrarium-secret.txt', 404, /json/, undefined],
    ['/%2e%2e/atrarium-secret.txt', 404, /json/, undefined],
  ])('GET %s → %i', async (path, status, type, cache) => {
    const res = await host().request(path)
    expect(res.status).toBe(status)
    if (type) expect(res.headers.get('content-type')).toMatch(type)
    expect(res.headers.get('cache-control') ?? undefined).toBe(cache)
    expect(await res.text()).not.toContain('secret')
    if (status === 200) expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/)
  })

  it('leaves the API to the API: unknown methods and wrong verbs answer as before', async () => {
    expect(await (await host().request('/xrpc/com.example.nope')).json()).toMatchObject({ error: 'MethodNotImplemented' })
    expect((await host().request('/xrpc/app.bsky.feed.describeFeedGenerator')).status).toBe(200)
    expect((await host().request('/.well-known/nothing')).status).toBe(404)
  })

  it('without a build, pages say how to make one', async () => {
    const res = await host(join(dir, 'nope')).request('/')
    expect(res.status).toBe(503)
    expect(await res.text()).toContain('npm run build')
  })
})
