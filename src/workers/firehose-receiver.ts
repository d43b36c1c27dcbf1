import { DurableObject } from 'cloudflare:workers'
import type { Logger } from '../core/logger.js'
import { jetstreamFrameOf } from '../core/jetstream-encode.js'
import { noRejections, type CommitVerdict, type CommitVerifier } from '../core/commit-verifier.js'
import { firehoseSource } from '../ingest/firehose-source.js'
import { firehoseVerifier } from '../ingest/firehose-verifier.js'
import { jetstreamSource } from '../ingest/jetstream-source.js'
import type { StreamControl, StreamSource } from '../ingest/stream-source.js'
import { backoffDelayMs } from '../core/backoff.js'
import { MinuteWindow } from '../core/minute-window.js'
import { US_PER_DAY } from '../core/time.js'
import { consoleLogger } from './console-logger.js'
import { settingsOf } from './settings.js'
import { DoSqlDriver } from './do-sql-driver.js'
import { FrameSocket, safeUrl } from './frame-socket.js'
import { OrderedFrames } from './ordered-frames.js'
import { ReceiverBuffer } from './receiver-buffer.js'
import { ReceiverState } from './receiver-state.js'

// The alarm is the keep-alive: an evicted object loses its socket, and the alarm brings it back.
const KEEPALIVE_MS = 30_000
// workerd cannot send pings, so liveness is judged by traffic; the network never goes quiet this long.
const SILENCE_MS = 60_000
const CONNECT_TIMEOUT_MS = 15_000
const RECONNECT = { baseMs: 1_000, maxMs: 60_000 }
const PRUNE_EVERY_MS = 3_600_000
// Frames waiting behind verifications past which the receiver stops reading, as when the queue lags.
const MAX_WAITING_FRAMES = 10_000

export interface ReceiverStatus {
  connected: boolean
  cursor: number | undefined
  /** How long the socket has been down (ms), when it is. */
  downForMs?: number
  /** Seconds between now and the saved cursor's time (Jetstream's time_us): how far behind it is. */
  lagSeconds: number | undefined
  /** Frames received and passed by stage 1, and queue messages sent, in the last minute. */
  lastMinute: { frames: number; passed: number; messages: number }
  stats: Record<string, number>
}

type Raw = string | Uint8Array

/**
 * The stream the settings name: a relay's or PDS's firehose when ATRARIUM_FIREHOSE_URL is set, else
 * Jetstream; a firehose's commits verified unless ATRARIUM_VERIFY_COMMITS=false. Cloudflare's fetch
 * cannot reach private addresses, so it serves did:web as it is.
 */
function sourceOf(env: Env): { source: StreamSource<Raw>; verifier?: CommitVerifier } {
  const settings = settingsOf(env)
  if (!settings.firehoseUrl) return { source: jetstreamSource({ url: settings.jetstreamUrl }) as StreamSource<Raw> }
  const verifier = settings.verifyCommits ? firehoseVerifier({ plcUrl: settings.plcUrl, webFetch: fetch, allowLocal: settings.allowLocalPds }) : undefined
  return { source: firehoseSource({ url: settings.firehoseUrl, passIdentity: verifier !== undefined }) as StreamSource<Raw>, ...(verifier ? { verifier } : {}) }
}

/**
 * Follows the stream with the sources the Node host uses (their stage 1, cursor and URL), and
 * sends the survivors of each flush to the queue packed in one message. A firehose frame that
 * passes is decoded here and sent on as Jetstream-format events, so the consumer reads one format.
 */
export class FirehoseReceiver extends DurableObject<Env> {
  readonly #stats = { connects: 0, disconnects: 0, messages: 0, oversized: 0, passed: 0, overloads: 0, controls: 0, undecodable: 0, verified: 0 }
  readonly #rejected = noRejections()
  readonly #state: ReceiverState
  readonly #source: StreamSource<Raw>
  readonly #verifier: CommitVerifier | undefined
  readonly #ordered: OrderedFrames<Raw>
  /** Authors whose post deletes and updates must pass stage 1, persisted so an evicted object keeps them. */
  #authors: Set<string>
  readonly #hasAuthor = (did: string): boolean => this.#authors.has(did)
  readonly #log: Logger
  readonly #buffer: ReceiverBuffer<Raw>
  readonly #window = new MinuteWindow<'frames' | 'passed' | 'messages'>()
  #socket: FrameSocket | undefined
  #connecting: Promise<void> | undefined
  #attempt = 0
  /** Date.now() when the socket last went down (or the object started), undefined while connected. */
  #downSince: number | undefined = Date.now()
  #lastPrune = 0
  #stopped = false

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    const { source, verifier } = sourceOf(env)
    this.#source = source
    this.#verifier = verifier
    this.#state = new ReceiverState(new DoSqlDriver(ctx.storage), this.#source.key)
    this.#log = consoleLogger(settingsOf(env).logLevel, { component: 'firehose-receiver', source: this.#source.name })
    this.#authors = new Set(this.#state.authors())
    this.#ordered = new OrderedFrames((raw, passed, verdict) => this.#deliver(raw, passed, verdict), this.#log)
    this.#buffer = new ReceiverBuffer({
      send: async (bodies) => {
        await env.FIREHOSE_QUEUE.sendBatch(bodies.map((body) => ({ body, contentType: 'text' })))
        this.#window.add('messages', bodies.length, Date.now())
      },
      cursorOf: (raw) => this.#source.cursorOf(raw),
      saveCursor: (cursor) => this.#state.saveCursor(cursor),
      savedCursor: this.#state.cursor(),
      log: this.#log,
    })
  }

  /** Idempotent: arms the keep-alive alarm and connects unless already connected. */
  async start(): Promise<void> {
    this.#stopped = false
    await this.#armAlarm(Date.now() + KEEPALIVE_MS)
    await this.#ensureConnected()
  }

  /** Closes the socket and clears the alarm until the next start() (the cron calls it every minute). */
  async stop(): Promise<void> {
    this.#stopped = true
    await this.ctx.storage.deleteAlarm()
    this.#drop()
  }

  status(): ReceiverStatus {
    const cursor = this.#state.cursor()
    const now = Date.now()
    // Jetstream's cursor is a time; a firehose's is a sequence number, which says nothing of lag.
    const lagSeconds = cursor === undefined || this.#source.name !== 'jetstream' ? undefined : Math.max(0, Math.round((now * 1000 - cursor) / 1e5) / 10)
    return {
      connected: this.#socket !== undefined,
      ...(this.#socket === undefined && this.#downSince !== undefined ? { downForMs: now - this.#downSince } : {}),
      cursor,
      lagSeconds,
      lastMinute: { frames: this.#window.total('frames', now), passed: this.#window.total('passed', now), messages: this.#window.total('messages', now) },
      stats: {
        ...this.#stats, ...prefixed('rejected', this.#rejected), ...prefixed('buffer', this.#buffer.stats), pending: this.#buffer.pending,
        authors: this.#authors.size, verifying: this.#ordered.waiting,
      },
    }
  }

  override async alarm(): Promise<void> {
    if (this.#stopped) return
    // Re-armed first, so that whatever fails below the object still wakes again.
    await this.ctx.storage.setAlarm(Date.now() + KEEPALIVE_MS)
    this.#prune()
    await this.#ensureConnected()
  }

  #ensureConnected(): Promise<void> {
    if (this.#connecting) return this.#connecting
    if (this.#socket && Date.now() - this.#socket.lastLife < SILENCE_MS) return Promise.resolve()
    if (this.#socket) this.#log.warn({ silenceMs: SILENCE_MS }, 'stream connection silent; reconnecting')
    this.#drop()
    this.#connecting = this.#connect().finally(() => (this.#connecting = undefined))
    return this.#connecting
  }

  async #connect(): Promise<void> {
    const cursor = this.#buffer.savedCursor
    const url = this.#source.url(cursor)
    const maxBytes = this.#source.maxMessageBytes
    let heard = false
    let socket: FrameSocket
    try {
      socket = await FrameSocket.open(url, { timeoutMs: CONNECT_TIMEOUT_MS, maxBytes, binary: this.#source.name !== 'jetstream' }, {
        onFrame: (raw) => {
          // Only a connection that carried data proves the endpoint healthy enough to reset the backoff.
          if (!heard) this.#attempt = 0
          heard = true
          this.#onFrame(raw)
        },
        onOversized: () => {
          this.#stats.oversized++
          this.#log.warn({ max: maxBytes }, 'frame over the stream message size limit dropped')
        },
        onEnd: (detail) => {
          if (this.#socket !== socket) return
          this.#socket = undefined
          this.#ordered.reset()
          this.#downSince = Date.now()
          this.#stats.disconnects++
          this.#log.info({ ...detail, cursor: this.#buffer.savedCursor }, 'stream disconnected')
          void this.#scheduleReconnect()
        },
      })
    } catch (err) {
      this.#log.warn({ err, url: safeUrl(url), cursor }, 'stream connect failed')
      return this.#scheduleReconnect()
    }
    if (this.#stopped) return socket.close()
    this.#socket = socket
    this.#downSince = undefined
    this.#stats.connects++
    this.#log.info({ url: safeUrl(url), cursor }, 'stream connected')
  }

  #onFrame(raw: Raw): void {
    this.#stats.messages++
    const verdict = this.#source.stage1(raw, this.#hasAuthor)
    if ('control' in verdict) return this.#control(verdict.control)
    const now = Date.now()
    this.#window.add('frames', 1, now)
    if (!verdict.pass) return this.#ordered.push(raw, false)
    this.#stats.passed++
    this.#window.add('passed', 1, now)
    if (verdict.postAuthor) {
      this.#authors.add(verdict.postAuthor)
      this.#state.addAuthor(verdict.postAuthor, now * 1000)
    }
    const verifier = this.#verifier
    this.#ordered.push(raw, true, verifier && typeof raw !== 'string' ? () => verifier.verify(raw) : undefined)
  }

  /** A frame, in stream order, to the buffer: its events if it passed stage 1 and was not refused. */
  #deliver(raw: Raw, passed: boolean, verdict: CommitVerdict | undefined): void {
    if (verdict?.outcome === 'rejected') {
      this.#rejected[verdict.reason]++
      this.#log.warn({ reason: verdict.reason, detail: verdict.detail, frame: this.#source.preview(raw) }, 'commit refused: not verified')
      return this.#buffer.push(raw, [])
    }
    if (verdict?.outcome === 'verified') this.#stats.verified++
    this.#buffer.push(raw, !passed ? [] : typeof raw === 'string' ? [raw] : this.#decode(raw))
    if (!passed || (!this.#buffer.overloaded && this.#ordered.waiting < MAX_WAITING_FRAMES)) return
    // A WebSocket here cannot be paused. Stop reading instead; the replay from the saved cursor
    // re-delivers what is discarded, so nothing is lost, only re-read.
    this.#stats.overloads++
    this.#log.warn({ discarded: this.#buffer.discardPending() }, 'queue not keeping up; disconnecting')
    this.#drop()
    void this.#scheduleReconnect()
  }

  /** A firehose frame's events, as Jetstream frames; one that does not decode is counted and logged. */
  #decode(raw: Uint8Array): string[] {
    const decoded = this.#source.decode(raw)
    if (!decoded.ok) {
      this.#stats.undecodable++
      this.#log.warn({ reason: decoded.error, frame: this.#source.preview(raw) }, 'firehose frame not decoded')
      return []
    }
    for (const problem of decoded.value.problems ?? []) this.#log.warn({ problem }, 'firehose op skipped')
    return decoded.value.events.map((e) => JSON.stringify(jetstreamFrameOf(e)))
  }

  /** A firehose `#info` or error frame: read on, reconnect, or start over from the live tail. */
  #control(c: StreamControl): void {
    this.#stats.controls++
    this.#log.warn({ reason: c.reason, message: c.message, action: c.action }, 'stream control frame')
    if (c.action === 'continue') return
    if (c.action === 'live') {
      this.#buffer.discardPending()
      this.#buffer.forgetCursor()
      this.#state.forgetCursor()
    }
    this.#drop()
    void this.#scheduleReconnect()
  }

  #drop(): void {
    this.#ordered.reset()
    if (this.#socket) this.#downSince = Date.now()
    this.#socket?.close()
    this.#socket = undefined
  }

  async #scheduleReconnect(): Promise<void> {
    if (this.#stopped) return
    const delayMs = backoffDelayMs(this.#attempt++, RECONNECT)
    this.#log.info({ delayMs, attempt: this.#attempt }, 'stream reconnect scheduled')
    await this.#armAlarm(Date.now() + delayMs)
  }

  /** Sets the alarm to `at` unless one is already due sooner; the one alarm serves keep-alive and backoff. */
  async #armAlarm(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm()
    if (current === null || current > at) await this.ctx.storage.setAlarm(at)
  }

  #prune(): void {
    if (Date.now() - this.#lastPrune < PRUNE_EVERY_MS) return
    this.#lastPrune = Date.now()
    const days = settingsOf(this.env).retentionDays
    // One day of slack: an author's last post may still be inside the window by its own clock.
    if (this.#state.pruneAuthors(Date.now() * 1000 - (days + 1) * US_PER_DAY) > 0) this.#authors = new Set(this.#state.authors())
  }
}

const prefixed = (prefix: string, o: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [`${prefix}.${k}`, v]))
