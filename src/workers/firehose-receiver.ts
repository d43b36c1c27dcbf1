import { DurableObject } from 'cloudflare:workers'
import type { Logger } from '../core/logger.js'
import { WANTED_COLLECTIONS } from '../core/nsid.js'
import { peekTimeUs } from '../core/prefilter.js'
import { DEFAULT_MAX_MESSAGE_SIZE_BYTES, buildUrl } from '../ingest/jetstream-url.js'
import { backoffDelayMs } from '../core/backoff.js'
import { MinuteWindow } from '../core/minute-window.js'
import { consoleLogger } from './console-logger.js'
import { settingsOf } from './settings.js'
import { DoSqlDriver } from './do-sql-driver.js'
import { FrameSocket, safeUrl } from './jetstream-socket.js'
import { ReceiverBuffer } from './receiver-buffer.js'
import { ReceiverState } from './receiver-state.js'
import { StageOneFilter } from './stage-one-filter.js'

// The alarm is the keep-alive: an evicted object loses its socket, and the alarm brings it back.
const KEEPALIVE_MS = 30_000
// workerd cannot send pings, so liveness is judged by traffic; the network never goes quiet this long.
const SILENCE_MS = 60_000
const CONNECT_TIMEOUT_MS = 15_000
const RECONNECT = { baseMs: 1_000, maxMs: 60_000 }
const PRUNE_EVERY_MS = 3_600_000
const DAY_US = 86_400_000_000

export interface ReceiverStatus {
  connected: boolean
  cursor: number | undefined
  /** Seconds between now and the saved cursor's time (Jetstream's time_us): how far behind it is. */
  lagSeconds: number | undefined
  /** Frames received and passed by stage 1, and queue messages sent, in the last minute. */
  lastMinute: { frames: number; passed: number; messages: number }
  stats: Record<string, number>
}

/** Follows Jetstream, applies stage 1, and sends each surviving frame to the queue as one message. */
export class FirehoseReceiver extends DurableObject<Env> {
  readonly #stats = { connects: 0, disconnects: 0, messages: 0, oversized: 0, passed: 0, overloads: 0 }
  readonly #state: ReceiverState
  readonly #log: Logger
  readonly #buffer: ReceiverBuffer
  readonly #window = new MinuteWindow<'frames' | 'passed' | 'messages'>()
  #filter: StageOneFilter
  #socket: FrameSocket | undefined
  #connecting: Promise<void> | undefined
  #attempt = 0
  #lastPrune = 0
  #stopped = false

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.#state = new ReceiverState(new DoSqlDriver(ctx.storage))
    this.#log = consoleLogger(settingsOf(env).logLevel, { component: 'firehose-receiver' })
    this.#filter = this.#newFilter()
    this.#buffer = new ReceiverBuffer({
      send: async (bodies) => {
        await env.FIREHOSE_QUEUE.sendBatch(bodies.map((body) => ({ body, contentType: 'text' })))
        this.#window.add('messages', bodies.length, Date.now())
      },
      saveCursor: (timeUs) => this.#state.saveCursor(timeUs),
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
    const { authorCount } = this.#filter
    const cursor = this.#state.cursor()
    const now = Date.now()
    return {
      connected: this.#socket !== undefined,
      cursor,
      lagSeconds: cursor === undefined ? undefined : Math.max(0, Math.round((now * 1000 - cursor) / 1e5) / 10),
      lastMinute: { frames: this.#window.total('frames', now), passed: this.#window.total('passed', now), messages: this.#window.total('messages', now) },
      stats: { ...this.#stats, ...prefixed('buffer', this.#buffer.stats), pending: this.#buffer.pending, authors: authorCount },
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
    if (this.#socket) this.#log.warn({ silenceMs: SILENCE_MS }, 'jetstream connection silent; reconnecting')
    this.#drop()
    this.#connecting = this.#connect().finally(() => (this.#connecting = undefined))
    return this.#connecting
  }

  async #connect(): Promise<void> {
    const cursor = this.#buffer.savedCursor
    const base = settingsOf(this.env).jetstreamUrl
    const url = buildUrl({ url: base, wantedCollections: WANTED_COLLECTIONS }, cursor)
    let heard = false
    let socket: FrameSocket
    try {
      socket = await FrameSocket.open(url, { timeoutMs: CONNECT_TIMEOUT_MS, maxBytes: DEFAULT_MAX_MESSAGE_SIZE_BYTES }, {
        onFrame: (raw) => {
          // Only a connection that carried data proves the endpoint healthy enough to reset the backoff.
          if (!heard) this.#attempt = 0
          heard = true
          this.#onFrame(raw)
        },
        onOversized: () => {
          this.#stats.oversized++
          this.#log.warn({ max: DEFAULT_MAX_MESSAGE_SIZE_BYTES }, 'jetstream frame over maxMessageSizeBytes dropped')
        },
        onEnd: (detail) => {
          if (this.#socket !== socket) return
          this.#socket = undefined
          this.#stats.disconnects++
          this.#log.info({ ...detail, cursor: this.#buffer.savedCursor }, 'jetstream disconnected')
          void this.#scheduleReconnect()
        },
      })
    } catch (err) {
      this.#log.warn({ err, url: safeUrl(base), cursor }, 'jetstream connect failed')
      return this.#scheduleReconnect()
    }
    if (this.#stopped) return socket.close()
    this.#socket = socket
    this.#stats.connects++
    this.#log.info({ url: safeUrl(base), cursor }, 'jetstream connected')
  }

  #onFrame(raw: string): void {
    this.#stats.messages++
    const timeUs = peekTimeUs(raw)
    const passed = this.#filter.passes(raw, timeUs)
    const now = Date.now()
    this.#window.add('frames', 1, now)
    if (passed) (this.#stats.passed++, this.#window.add('passed', 1, now))
    this.#buffer.push(passed ? raw : undefined, timeUs)
    if (!this.#buffer.overloaded) return
    // A WebSocket here cannot be paused. Stop reading instead; the replay from the saved cursor
    // re-delivers what is discarded, so nothing is lost, only re-read.
    this.#stats.overloads++
    this.#log.warn({ discarded: this.#buffer.discardPending() }, 'queue not keeping up; disconnecting')
    this.#drop()
    void this.#scheduleReconnect()
  }

  #drop(): void {
    this.#socket?.close()
    this.#socket = undefined
  }

  async #scheduleReconnect(): Promise<void> {
    if (this.#stopped) return
    const delayMs = backoffDelayMs(this.#attempt++, RECONNECT)
    this.#log.info({ delayMs, attempt: this.#attempt }, 'jetstream reconnect scheduled')
    await this.#armAlarm(Date.now() + delayMs)
  }

  /** Sets the alarm to `at` unless one is already due sooner; the one alarm serves keep-alive and backoff. */
  async #armAlarm(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm()
    if (current === null || current > at) await this.ctx.storage.setAlarm(at)
  }

  #newFilter(): StageOneFilter {
    return new StageOneFilter(this.#state.authors(), (did, timeUs) => this.#state.addAuthor(did, timeUs ?? Date.now() * 1000))
  }

  #prune(): void {
    if (Date.now() - this.#lastPrune < PRUNE_EVERY_MS) return
    this.#lastPrune = Date.now()
    const days = settingsOf(this.env).retentionDays
    // One day of slack: an author's last post may still be inside the window by its own clock.
    if (this.#state.pruneAuthors(Date.now() * 1000 - (days + 1) * DAY_US) > 0) this.#filter = this.#newFilter()
  }
}

const prefixed = (prefix: string, o: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [`${prefix}.${k}`, v]))
