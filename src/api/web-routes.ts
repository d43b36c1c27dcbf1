import type { Hono } from 'hono'
import type { Config } from '../config.js'
import { clientMetadata, isLoopbackHost, OAUTH_SCOPE, type WebClientConfig } from '../core/web/client-config.js'
import type { AppEnv } from './service-auth.js'

type WebSettings = Pick<Config, 'serviceDid' | 'hostname' | 'plcUrl' | 'handleResolverUrl' | 'appviewUrl' | 'bskyAppUrl'>

const trimSlash = (url: string) => url.replace(/\/+$/, '')

/** The per-deployment settings the browser app reads from `/app-config.json`. */
export function webClientConfig(s: WebSettings): WebClientConfig {
  return {
    serviceDid: s.serviceDid,
    hostname: s.hostname,
    plcUrl: trimSlash(s.plcUrl),
    handleResolverUrl: trimSlash(s.handleResolverUrl),
    ...(s.appviewUrl ? { appviewUrl: trimSlash(s.appviewUrl) } : {}),
    bskyAppUrl: trimSlash(s.bskyAppUrl),
    scope: OAUTH_SCOPE,
  }
}

/** `/app-config.json` for the app, and `/client-metadata.json` (its OAuth client id) off loopback. */
export function registerWebRoutes(app: Hono<AppEnv>, web: WebClientConfig): void {
  const body = JSON.stringify(web)
  app.get('/app-config.json', (c) => c.body(body, 200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' }))
  // A loopback deployment uses atproto's development client id (http://localhost?…), which no
  // authorization server fetches; publishing metadata for `https://localhost` would only mislead.
  if (isLoopbackHost(web.hostname)) return
  const metadata = JSON.stringify(clientMetadata(web.hostname, web.scope))
  app.get('/client-metadata.json', (c) => c.body(metadata, 200, { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=300' }))
}
