import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { community, configEvent, toJetstream } from '../support/events.js'
import { ensureWebBuild, launchChromium, newPage } from '../support/browser.js'
import { FakeJetstream } from '../support/fake-jetstream.js'
import { WranglerDev } from '../support/wrangler-dev.js'

/**
 * The same built app under `wrangler dev` (static assets beside the Worker). There no cron fires
 * (wrangler 4.86 answers /cdn-cgi/handler/scheduled with a 500 once assets are configured), so the
 * first request must start the receiver.
 */
let wrangler: WranglerDev
let jetstream: FakeJetstream
let browser: Browser
let base: string

beforeAll(async () => {
  ensureWebBuild()
  jetstream = await FakeJetstream.start()
  wrangler = await WranglerDev.start({ ATRARIUM_JETSTREAM_URL: jetstream.url, ATRARIUM_PLC_URL: 'http://127.0.0.1:9', ATRARIUM_HOSTNAME: 'feeds.example.com', LOG_LEVEL: 'warn' })
  base = wrangler.base
  browser = await launchChromium()
}, 90_000)

afterAll(async () => {
  await browser?.close()
  await wrangler?.stop()
  await jetstream?.close()
})

it('serves the app, its settings and client metadata; the first request starts the stream; a community appears in the directory', async () => {
  const errors: string[] = []
  const page = await newPage(await browser.newContext(), errors)
  await page.goto(`${base}/`)
  await page.getByRole('heading', { name: 'Communities' }).waitFor()
  await page.getByText('No communities yet.').waitFor()

  // No cron ran: the request above started the receiver.
  await jetstream.connected(1, 30_000)
  const owner = 'did:plc:smoke5uwexq2midyh3ulhhx'
  const c = community(owner, '3ksmoketest22')
  jetstream.publish(toJetstream(configEvent(c, { name: 'Smoke signals' })))
  const link = page.getByRole('link', { name: 'Smoke signals' })
  for (let i = 0; i < 60 && !(await link.isVisible()); i++) {
    await page.reload()
    await page.getByRole('heading', { name: 'Communities' }).waitFor()
  }
  await link.click()
  await page.getByRole('heading', { name: 'Smoke signals' }).waitFor()
  await page.getByText(`#atrarium_${c.id}`).waitFor()
  // A deep link is the app too (single-page fallback), not the Worker's 404.
  await page.goto(`${base}/community/${owner}/3ksmoketest22`)
  await page.getByRole('heading', { name: 'Smoke signals' }).waitFor()

  // The same page headers as the Node host, from the build's _headers.
  expect((await fetch(`${base}/community/${owner}/3ksmoketest22`)).headers.get('content-security-policy')).toMatch(/script-src 'self'/)
  const metadata = (await (await fetch(`${base}/client-metadata.json`)).json()) as { scope: string }
  expect(metadata).toMatchObject({ client_id: 'https://feeds.example.com/client-metadata.json', redirect_uris: ['https://feeds.example.com/'], dpop_bound_access_tokens: true })
  const settings = await (await fetch(`${base}/app-config.json`)).json()
  expect(settings).toMatchObject({ serviceDid: 'did:web:feeds.example.com', scope: metadata.scope })
  expect(errors).toEqual([])
}, 120_000)
