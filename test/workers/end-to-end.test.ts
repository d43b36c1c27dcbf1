import { createScheduledController, env } from 'cloudflare:test'
import { afterAll, expect, it } from 'vitest'
import worker from '../../src/workers/index.js'
import { A, expected, readFeed, scenario } from '../support/scenario.js'
import { parsePrometheusText } from '../support/prometheus-text.js'
import { publish } from './jetstream-control.js'
import { until } from './wait.js'

// The scenario's events are an hour old: health would rightly report that lag at the default limit.
const testEnv = { ...env, ATRARIUM_HOSTNAME: 'feeds.example.com', ATRARIUM_HEALTH_MAX_LAG_S: '86400' }
const get = async (path: string) => {
  const res = await worker.fetch(new Request(`https://feeds.example.com${path}`), testEnv)
  return { status: res.status, body: (await res.json()) as any }
}
const receiver = () => env.FIREHOSE_RECEIVER.get(env.FIREHOSE_RECEIVER.idFromName('main'))
afterAll(async () => {
  await receiver().stop()
})

it('the whole Worker: cron starts the receiver, Jetstream frames flow through the real queue, skeletons match the Node host', async () => {
  await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: '* * * * *' }), testEnv)
  await until(async () => (await receiver().status()).connected, 'receiver connected')
  const s = scenario()
  const asFrames = (frames: string[]) => frames.map((raw) => ({ raw, timeUs: Number(/"time_us":(\d+)/.exec(raw)?.[1] ?? 0) }))
  await publish(asFrames(s.frames))
  // The queue delivers on its own schedule: wait for the last event's effect, bounded.
  await until(async () => JSON.stringify(await readFeed(get, A.id).catch(() => [])) === JSON.stringify(expected.feed), 'scenario indexed', 20_000)
  expect((await get('/xrpc/app.bsky.feed.describeFeedGenerator')).body.feeds).toContainEqual(expected.describe.feeds[0])
  await publish(asFrames(s.tailFrames))
  await until(async () => JSON.stringify(await readFeed(get, A.id)) === JSON.stringify(expected.feedAfterTail), 'tail indexed', 20_000)
  expect((await receiver().status()).cursor).toBeGreaterThanOrEqual(s.tailTimeUs)
  // Health reports the receiver: connected, its cursor and lag, and the last minute's traffic.
  const health = (await get('/xrpc/_health')).body
  expect(health).toMatchObject({ status: 'ok', receiver: { connected: true, cursor: expect.any(Number), lagSeconds: expect.any(Number) } })
  expect(health.receiver.lastMinute.frames).toBeGreaterThanOrEqual(s.frames.length + s.tailFrames.length)
  expect(health.receiver.lastMinute.passed).toBeGreaterThan(0)
  expect(health.receiver.lastMinute.messages).toBeGreaterThan(0)
  // At the default limit (300 s), the hour-old cursor is a lag a load balancer must hear about.
  const strict = await worker.fetch(new Request('https://feeds.example.com/xrpc/_health'), { ...env, ATRARIUM_HOSTNAME: 'feeds.example.com' })
  expect(strict.status).toBe(503)
  expect(await strict.json()).toMatchObject({ status: 'unhealthy', problems: [expect.stringMatching(/^stream lag \d+(\.\d)? s is above 300 s$/)] })

  // /metrics: the receiver's series under the Node host's names, in a format a strict reader accepts.
  const scrape = async () => {
    const res = await worker.fetch(new Request('https://feeds.example.com/metrics'), testEnv)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    return parsePrometheusText(await res.text()).series
  }
  const live = await scrape()
  expect(live.get('atrarium_stream_frames_total')).toBeGreaterThanOrEqual(s.frames.length + s.tailFrames.length)
  expect(live.get('atrarium_stream_passed_total')).toBeGreaterThan(0)
  expect(live.get('atrarium_queue_messages_total')).toBeGreaterThan(0)
  expect(live.get('atrarium_stream_connected')).toBe(1)
  expect(live.get('atrarium_stream_lag_seconds')).toBeGreaterThan(3000)
  // Stopped, the receiver reports it, and the lag goes on counting from the same saved cursor.
  await receiver().stop()
  const stopped = await scrape()
  expect(stopped.get('atrarium_stream_connected')).toBe(0)
  expect(stopped.get('atrarium_stream_lag_seconds')).toBeGreaterThanOrEqual(live.get('atrarium_stream_lag_seconds')!)
}, 60_000)
