import { type MetricFamily, prometheusText } from '../api/prometheus-text.js'
import type { ReceiverStatus } from './firehose-receiver.js'

/**
 * `GET /metrics` of the Workers host: the stream series, from the one receiver object, under the
 * Node host's names. What happens in isolates (requests, the indexer in each community object) has
 * no single place to be counted; Cloudflare's own analytics report requests, queues and objects.
 * Counters restart when the receiver object does, which Prometheus' rate() expects of any process.
 */
export function workerMetricsText(r: ReceiverStatus): string {
  const n = (key: string) => r.stats[key] ?? 0
  const one = (name: string, help: string, type: MetricFamily['type'], value: number): MetricFamily => ({ name, help, type, samples: [{ value }] })
  return prometheusText([
    one('atrarium_stream_frames_total', 'Frames received from the stream.', 'counter', n('messages')),
    one('atrarium_stream_passed_total', 'Frames that passed stage 1.', 'counter', n('passed')),
    one('atrarium_stream_malformed_total', 'Frames or ops stage 2 could not decode.', 'counter', n('undecodable')),
    one('atrarium_stream_reconnects_total', 'Times the stream connection was lost.', 'counter', n('disconnects')),
    one('atrarium_stream_connected', '1 while the stream is connected.', 'gauge', r.connected ? 1 : 0),
    // NaN, not 0, when unknown (a firehose's seq is not a time): 0 would read as "caught up".
    one('atrarium_stream_lag_seconds', 'Now minus the saved cursor time (Jetstream only).', 'gauge', r.lagSeconds ?? Number.NaN),
    one('atrarium_queue_messages_total', 'Queue messages sent by the receiver (each packs one flush of frames).', 'counter', n('buffer.sent')),
    one('atrarium_receiver_pending_frames', 'Frames passed and waiting for the next flush to the queue.', 'gauge', n('pending')),
  ])
}
