import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { serveStatic } from '@hono/node-server/serve-static'
import type { Hono } from 'hono'
import type { AppEnv } from '../api/service-auth.js'
import type { Logger } from '../core/logger.js'
import { PAGE_HEADERS } from '../core/web/security-headers.js'

/** Where `npm run build` puts the web app in this checkout. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url))

// Paths the app itself owns; the rest of the site is the single-page app.
const SERVICE_PATH = /^\/(xrpc|\.well-known)\//
// Vite names every built asset by its content hash, so a cached copy is never stale.
const IMMUTABLE = 'public, max-age=31536000, immutable'

/**
 * Serves the built web app after the XRPC routes: files as they are, and `index.html` for any
 * other page path (the app routes in the browser). Without a build, pages say how to make one.
 */
export function serveWebApp(app: Hono<AppEnv>, dir: string, log: Logger): void {
  const indexPath = `${dir}/index.html`
  if (!existsSync(indexPath)) log.warn({ dir }, 'no web app build: run `npm run build`')
  const files = serveStatic<AppEnv>({ root: dir })
  let index: string | undefined
  app.get('*', async (c, next) => {
    if (SERVICE_PATH.test(c.req.path)) return next()
    const served = await files(c, async () => {})
    if (served) {
      served.headers.set('Cache-Control', c.req.path.startsWith('/assets/') ? IMMUTABLE : 'no-cache')
      for (const [k, v] of Object.entries(PAGE_HEADERS)) served.headers.set(k, v)
      return served
    }
    // A path with an extension is a missing file, not a page.
    if (/\.[a-z0-9]+$/i.test(c.req.path)) return next()
    index ??= existsSync(indexPath) ? readFileSync(indexPath, 'utf8') : undefined
    if (index === undefined) return c.text('The web app is not built: run `npm run build`.', 503)
    c.header('Cache-Control', 'no-cache')
    for (const [k, v] of Object.entries(PAGE_HEADERS)) c.header(k, v)
    return c.html(index)
  })
}
