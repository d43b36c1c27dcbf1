import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        test: {
          name: 'node',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts', 'bench/**/*.test.ts'],
          exclude: ['src/workers/**', 'test/workers/**'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // workerd cannot listen on a socket, so the fake Jetstream runs in the global setup (Node)
        // and its address reaches the worker as the ATRARIUM_JETSTREAM_URL binding; the fake PLC likewise.
        plugins: [
          cloudflareTest(({ inject }) => ({
            main: './src/workers/index.ts',
            wrangler: { configPath: './wrangler.jsonc' },
            miniflare: { bindings: { ATRARIUM_JETSTREAM_URL: inject('jetstreamUrl'), ATRARIUM_PLC_URL: inject('plcUrl') } },
          })),
        ],
        test: {
          name: 'workers',
          testTimeout: 30_000,
          include: ['src/workers/**/*.test.ts', 'test/workers/**/*.test.ts'],
          exclude: ['test/workers/**/*.firehose.test.ts'],
          globalSetup: ['./test/support/jetstream-global-setup.ts'],
          // @atproto/lexicon is CommonJS reaching multiformats' Node hashing; pre-bundling it the
          // way wrangler does (browser conditions) gives workerd the WebCrypto build.
          deps: { optimizer: { ssr: { enabled: true, include: ['@atproto/lexicon'] } } },
        },
      },
      {
        // The same Worker set to follow a relay's firehose (ATRARIUM_FIREHOSE_URL): bindings are
        // per project, so the tests that need it run here.
        plugins: [
          cloudflareTest(({ inject }) => ({
            main: './src/workers/index.ts',
            wrangler: { configPath: './wrangler.jsonc' },
            miniflare: { bindings: { ATRARIUM_JETSTREAM_URL: inject('jetstreamUrl'), ATRARIUM_PLC_URL: inject('plcUrl'), ATRARIUM_FIREHOSE_URL: inject('relayUrl') } },
          })),
        ],
        test: {
          name: 'workers-firehose',
          testTimeout: 30_000,
          include: ['test/workers/**/*.firehose.test.ts'],
          globalSetup: ['./test/support/jetstream-global-setup.ts'],
          deps: { optimizer: { ssr: { enabled: true, include: ['@atproto/lexicon'] } } },
        },
      },
    ],
  },
})
