import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { OAUTH_SCOPE } from '../core/web/client-config.js'
import { registerWebRoutes, webClientConfig } from './web-routes.js'
import type { AppEnv } from './service-auth.js'

const settings = (hostname: string, extra: object = {}) =>
  webClientConfig({ serviceDid: `did:web:${hostname.replace(':', '%3A')}`, hostname, plcUrl: 'https://plc.example/', handleResolverUrl: 'https://resolver.example//', bskyAppUrl: 'https://bsky.app', ...extra })

function app(hostname: string, extra: object = {}) {
  const a = new Hono<AppEnv>()
  registerWebRoutes(a, settings(hostname, extra))
  return a
}

describe('web routes', () => {
  it('app-config.json: the deployment settings, URLs without trailing slashes, the one scope string', async () => {
    const res = await app('feeds.example.com', { appviewUrl: 'https://appview.example/' }).request('/app-config.json')
    expect(res.headers.get('content-type')).toMatch(/application\/json/)
    expect(await res.json()).toEqual({
      serviceDid: 'did:web:feeds.example.com', hostname: 'feeds.example.com', plcUrl: 'https://plc.example', handleResolverUrl: 'https://resolver.example',
      appviewUrl: 'https://appview.example', bskyAppUrl: 'https://bsky.app', scope: OAUTH_SCOPE,
    })
  })

  it('client-metadata.json: a browser client whose id is its own URL and whose scope is the one the app asks for', async () => {
    const res = await app('feeds.example.com').request('/client-metadata.json')
    expect(await res.json()).toEqual({
      client_id: 'https://feeds.example.com/client-metadata.json', client_name: 'Atrarium', client_uri: 'https://feeds.example.com',
      redirect_uris: ['https://feeds.example.com/'], scope: OAUTH_SCOPE, grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'], token_endpoint_auth_method: 'none', application_type: 'web', dpop_bound_access_tokens: true,
    })
  })

  it.each(['localhost', 'localhost:3000', '127.0.0.1:8787'])('%s: no client metadata (the app is a loopback client there)', async (host) => {
    expect((await app(host).request('/client-metadata.json')).status).toBe(404)
    expect((await app(host).request('/app-config.json')).status).toBe(200)
  })

  it('the scope names exactly the written collections and one method, never blanket access', () => {
    expect(OAUTH_SCOPE.split(' ')).toEqual([
      'atproto', 'repo:net.atrarium.community.config', 'repo:net.atrarium.community.membership', 'repo:net.atrarium.moderation.action',
      'repo:app.bsky.feed.post', 'repo:app.bsky.feed.generator', 'rpc:net.atrarium.community.getPosts?aud=*',
    ])
  })
})
