import { describe, expect, it } from 'vitest'
import { loadConfig } from './config.js'

describe('loadConfig', () => {
  it('gives the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      ok: true,
      value: {
        port: 3000,
        host: '127.0.0.1',
        dataDir: './data',
        jetstreamUrl: 'wss://jetstream2.us-east.bsky.network/subscribe',
        hostname: 'localhost',
        serviceDid: 'did:web:localhost',
        plcUrl: 'https://plc.directory',
        retentionDays: 7,
        feedCacheSize: 1000,
        logLevel: 'info',
        handleResolverUrl: 'https://api.bsky.app',
        bskyAppUrl: 'https://bsky.app',
        webDir: '',
        backfillRelay: 'https://relay1.us-east.bsky.network',
        allowLocalPds: false,
        healthMaxLagS: 300,
        verifyCommits: true,
      },
    })
  })

  it.each([
    [{ ATRARIUM_HOSTNAME: 'feeds.example.com' }, { serviceDid: 'did:web:feeds.example.com' }],
    [{ ATRARIUM_HOSTNAME: 'localhost:8080' }, { serviceDid: 'did:web:localhost%3A8080' }],
    [{ ATRARIUM_SERVICE_DID: 'did:plc:abc123' }, { serviceDid: 'did:plc:abc123' }],
    [{ PORT: '0', ATRARIUM_RETENTION_DAYS: '0.5' }, { port: 0, retentionDays: 0.5 }],
    [{ ATRARIUM_FEED_CACHE_SIZE: '0' }, { feedCacheSize: 0 }],
    [{ ATRARIUM_FEED_CACHE_SIZE: '50000' }, { feedCacheSize: 50_000 }],
    [{ ATRARIUM_JETSTREAM_URL: 'ws://127.0.0.1:9999/subscribe' }, { jetstreamUrl: 'ws://127.0.0.1:9999/subscribe' }],
    [{ ATRARIUM_FIREHOSE_URL: 'wss://bsky.network' }, { firehoseUrl: 'wss://bsky.network' }],
    [{ ATRARIUM_FIREHOSE_URL: 'ws://localhost:2583' }, { firehoseUrl: 'ws://localhost:2583' }],
    [{ ATRARIUM_PLC_URL: 'http://127.0.0.1:2582' }, { plcUrl: 'http://127.0.0.1:2582' }],
    [{ ATRARIUM_PLC_URL: 'https://plc.example.com/' }, { plcUrl: 'https://plc.example.com/' }],
    [{ ATRARIUM_PLC_URL: '' }, { plcUrl: 'https://plc.directory' }],
    [{ ATRARIUM_APPVIEW_URL: 'https://appview.example' }, { appviewUrl: 'https://appview.example', handleResolverUrl: 'https://appview.example' }],
    [{ ATRARIUM_APPVIEW_URL: 'http://localhost:2584', ATRARIUM_HANDLE_RESOLVER_URL: 'http://localhost:2583' }, { appviewUrl: 'http://localhost:2584', handleResolverUrl: 'http://localhost:2583' }],
    [{ ATRARIUM_BSKY_APP_URL: 'https://staging.bsky.app', ATRARIUM_WEB_DIR: '/srv/web' }, { bskyAppUrl: 'https://staging.bsky.app', webDir: '/srv/web' }],
    [{ ATRARIUM_START_CURSOR: '1764374400000000' }, { startCursor: 1_764_374_400_000_000 }],
    [{ ATRARIUM_BACKFILL_RELAY: '' }, { backfillRelay: '' }],
    [{ ATRARIUM_BACKFILL_RELAY: 'http://127.0.0.1:2470', ATRARIUM_ALLOW_LOCAL_PDS: '1' }, { backfillRelay: 'http://127.0.0.1:2470', allowLocalPds: true }],
    [{ ATRARIUM_START_CURSOR: '2025-11-29T00:00:00Z' }, { startCursor: 1_764_374_400_000_000 }],
    [{ ATRARIUM_START_CURSOR: '123', ATRARIUM_FIREHOSE_URL: 'wss://bsky.network' }, { startCursor: 123 }],
    [{ ATRARIUM_HEALTH_MAX_LAG_S: '30' }, { healthMaxLagS: 30 }],
    [{ ATRARIUM_HEALTH_MAX_LAG_S: '2.5' }, { healthMaxLagS: 2.5 }],
    [{ ATRARIUM_ADMIN_TOKEN: 'a-secret-of-16-chars' }, { adminToken: 'a-secret-of-16-chars' }],
    [{ ATRARIUM_VERIFY_COMMITS: 'false' }, { verifyCommits: false }],
    [{ ATRARIUM_VERIFY_COMMITS: 'true' }, { verifyCommits: true }],
  ])('accepts %j', (env, expected) => {
    const r = loadConfig(env)
    expect(r.ok && r.value).toMatchObject(expected)
  })

  it('treats an empty ATRARIUM_FIREHOSE_URL as unset: Jetstream is followed', () => {
    expect(loadConfig({ ATRARIUM_FIREHOSE_URL: '' })).toEqual(loadConfig({}))
  })

  it.each([
    [{ PORT: 'abc' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ ATRARIUM_JETSTREAM_URL: 'http://x' }, /ATRARIUM_JETSTREAM_URL/],
    [{ ATRARIUM_JETSTREAM_URL: 'not a url' }, /ATRARIUM_JETSTREAM_URL/],
    [{ ATRARIUM_FIREHOSE_URL: 'https://bsky.network' }, /ATRARIUM_FIREHOSE_URL/],
    [{ ATRARIUM_FIREHOSE_URL: 'bsky.network' }, /ATRARIUM_FIREHOSE_URL/],
    [{ ATRARIUM_FIREHOSE_URL: 'wss://bsky.network?cursor=5' }, /ATRARIUM_FIREHOSE_URL/],
    [{ ATRARIUM_PLC_URL: 'plc.directory' }, /ATRARIUM_PLC_URL/],
    [{ ATRARIUM_PLC_URL: 'ftp://plc.directory' }, /ATRARIUM_PLC_URL/],
    [{ ATRARIUM_PLC_URL: 'wss://plc.directory' }, /ATRARIUM_PLC_URL/],
    [{ ATRARIUM_PLC_URL: 'not a url' }, /ATRARIUM_PLC_URL/],
    [{ ATRARIUM_APPVIEW_URL: 'api.bsky.app' }, /ATRARIUM_APPVIEW_URL/],
    [{ ATRARIUM_HANDLE_RESOLVER_URL: 'javascript:alert(1)' }, /ATRARIUM_HANDLE_RESOLVER_URL/],
    [{ ATRARIUM_BSKY_APP_URL: 'ws://bsky.app' }, /ATRARIUM_BSKY_APP_URL/],
    [{ ATRARIUM_START_CURSOR: 'yesterday' }, /ATRARIUM_START_CURSOR/],
    [{ ATRARIUM_BACKFILL_RELAY: 'relay.example' }, /ATRARIUM_BACKFILL_RELAY/],
    [{ ATRARIUM_ALLOW_LOCAL_PDS: 'yes' }, /ATRARIUM_ALLOW_LOCAL_PDS/],
    [{ ATRARIUM_HEALTH_MAX_LAG_S: '0' }, /ATRARIUM_HEALTH_MAX_LAG_S/],
    [{ ATRARIUM_HEALTH_MAX_LAG_S: 'five' }, /ATRARIUM_HEALTH_MAX_LAG_S/],
    [{ ATRARIUM_ADMIN_TOKEN: 'short' }, /ATRARIUM_ADMIN_TOKEN/],
    [{ ATRARIUM_START_CURSOR: '-5' }, /ATRARIUM_START_CURSOR/],
    [{ ATRARIUM_START_CURSOR: '2025-11-29T00:00:00Z', ATRARIUM_FIREHOSE_URL: 'wss://bsky.network' }, /ATRARIUM_START_CURSOR/],
    [{ ATRARIUM_HOSTNAME: 'bad host' }, /ATRARIUM_HOSTNAME/],
    [{ ATRARIUM_SERVICE_DID: 'web:x' }, /ATRARIUM_SERVICE_DID/],
    [{ ATRARIUM_RETENTION_DAYS: '0' }, /ATRARIUM_RETENTION_DAYS/],
    [{ ATRARIUM_RETENTION_DAYS: '-1' }, /ATRARIUM_RETENTION_DAYS/],
    [{ ATRARIUM_FEED_CACHE_SIZE: '-1' }, /ATRARIUM_FEED_CACHE_SIZE/],
    [{ ATRARIUM_FEED_CACHE_SIZE: '1.5' }, /ATRARIUM_FEED_CACHE_SIZE/],
    [{ ATRARIUM_FEED_CACHE_SIZE: '2000000' }, /ATRARIUM_FEED_CACHE_SIZE/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ ATRARIUM_VERIFY_COMMITS: 'no' }, /ATRARIUM_VERIFY_COMMITS must be true or false/],
    [{ ATRARIUM_VERIFY_COMMITS: '0' }, /ATRARIUM_VERIFY_COMMITS/],
  ])('rejects %j', (env, message) => {
    const r = loadConfig(env)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toMatch(message)
  })
})
