import { WebSocket, type RawData } from 'ws'
import { DEFAULT_MAX_MESSAGE_SIZE_BYTES, buildUrl, type JetstreamUrlOptions } from './jetstream-url.js'

export { buildUrl, type JetstreamUrlOptions } from './jetstream-url.js'

export interface JetstreamLogger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
}

export interface JetstreamClientOptions extends JetstreamUrlOptions {
  /** Called on every (re)connect; the cursor of the last event the consumer has made durable. */
  getCursor: () => number | undefined
  onMessage: (raw: string) => void
  log: JetstreamLogger
  backoff?: { baseMs?: number; maxMs?: number }
  watchdog?: { pingIntervalMs?: number; silenceMs?: number }
}

export interface JetstreamStats {
  connects: number
  disconnects: number
  messages: number
  oversized: number
}

// ws closes the socket on any frame above maxPayload, and reconnecting at the same cursor would hit
// the same frame again forever. Keep ws's limit well above ours and enforce ours by dropping frames.
const MIN_WS_MAX_PAYLOAD = 8 * 1024 * 1024
const CLOSE_GRACE_MS = 1_000

/** Host and path only: credentials and tokens can live in userinfo or the query string. */
const safeUrl = (url: string): string => {
  const u = new URL(url)
  return `${u.protocol}//${u.host}${u.pathname}`
}

const rawSize = (d: RawData): number => (Array.isArray(d) ? d.reduce((n, b) => n + b.length, 0) : d.byteLength)
const rawText = (d: RawData): string =>
  (Array.isArray(d) ? Buffer.concat(d) : Buffer.isBuffer(d) ? d : Buffer.from(d)).toString('utf8')

export class JetstreamClient {
  readonly stats: JetstreamStats = { connects: 0, disconnects: 0, messages: 0, oversized: 0 }
  readonly #o: JetstreamClientOptions
  readonly #maxMessage: number
  readonly #backoff: { baseMs: number; maxMs: number }
  readonly #dog: { pingIntervalMs: number; silenceMs: number }
  #ws: WebSocket | undefined
  #started = false
  #stopped = false
  #closing: Promise<void> | undefined
  #paused = false
  // ws may still emit frames it had already buffered when pause() was called; hold them here so a
  // paused client really delivers nothing. Bounded by what ws had already read, not by the stream.
  #held: string[] = []
  #attempt = 0
  #reconnectTimer: NodeJS.Timeout | undefined
  #watchdogTimer: NodeJS.Timeout | undefined
  #lastLife = 0

  constructor(opts: JetstreamClientOptions) {
    this.#o = opts
    this.#maxMessage = opts.maxMessageSizeBytes ?? DEFAULT_MAX_MESSAGE_SIZE_BYTES
    this.#backoff = { baseMs: opts.backoff?.baseMs ?? 500, maxMs: opts.backoff?.maxMs ?? 30_000 }
    this.#dog = { pingIntervalMs: opts.watchdog?.pingIntervalMs ?? 10_000, silenceMs: opts.watchdog?.silenceMs ?? 30_000 }
    buildUrl(opts) // fail at construction on a malformed URL rather than retrying it forever
  }

  get paused(): boolean {
    return this.#paused
  }

  buildUrl(cursor?: number): string {
    return buildUrl(this.#o, cursor)
  }

  start(): void {
    if (this.#started || this.#stopped) return
    this.#started = true
    this.#connect()
  }

  pause(): void {
    this.#paused = true
    this.#ws?.pause() // a no-op while connecting; the open handler applies it then
  }

  resume(): void {
    if (!this.#paused) return
    this.#paused = false
    this.#lastLife = performance.now()
    this.#ws?.resume()
    this.#drain()
  }

  /** Stops for good; held messages are dropped (the consumer's cursor has not passed them). */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#stopped = true
      this.#closing = this.#shutdown()
    }
    return this.#closing
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  async #shutdown(): Promise<void> {
    clearTimeout(this.#reconnectTimer)
    clearInterval(this.#watchdogTimer)
    this.#held = []
    const ws = this.#ws
    if (!ws || ws.readyState === WebSocket.CLOSED) return
    await new Promise<void>((resolve) => {
      const grace = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS)
      ws.once('close', () => {
        clearTimeout(grace)
        resolve()
      })
      if (ws.readyState === WebSocket.CONNECTING) return ws.terminate()
      ws.resume() // a paused socket would never read the server's close frame
      ws.close(1000)
    })
  }

  #connect(): void {
    this.#reconnectTimer = undefined
    if (this.#stopped) return
    let cursor: number | undefined
    let ws: WebSocket
    try {
      cursor = this.#o.getCursor()
      ws = new WebSocket(this.buildUrl(cursor), {
        maxPayload: Math.max(MIN_WS_MAX_PAYLOAD, 4 * this.#maxMessage),
        handshakeTimeout: this.#dog.silenceMs,
      })
    } catch (err) {
      this.#o.log.warn({ err, cursor }, 'jetstream connect failed')
      return this.#scheduleReconnect()
    }
    const url = safeUrl(this.#o.url)
    let opened = false
    let heard = false
    this.#ws = ws
    ws.on('open', () => {
      opened = true
      this.stats.connects++
      this.#o.log.info({ url, cursor }, 'jetstream connected')
      if (this.#paused) ws.pause()
      this.#startWatchdog(ws)
    })
    ws.on('message', (data: RawData) => {
      this.#lastLife = performance.now()
      if (!heard) {
        heard = true
        this.#attempt = 0 // only a connection that actually carried data proves the endpoint is healthy
      }
      this.#receive(data)
    })
    ws.on('pong', () => (this.#lastLife = performance.now()))
    // Without an error listener ws errors (refused, DNS, 4xx upgrade) would be thrown; 'close' always follows.
    ws.on('error', (err) => this.#o.log.warn({ err, url, cursor }, 'jetstream socket error'))
    ws.on('close', (code: number, reason: Buffer) => {
      clearInterval(this.#watchdogTimer)
      if (this.#ws === ws) this.#ws = undefined
      if (opened) this.stats.disconnects++
      if (opened) this.#o.log.info({ url, cursor, code, reason: reason.toString() }, 'jetstream disconnected')
      this.#scheduleReconnect()
    })
  }

  #receive(data: RawData): void {
    if (this.#stopped) return
    const size = rawSize(data)
    if (size > this.#maxMessage) {
      this.stats.oversized++
      this.#o.log.warn({ size, max: this.#maxMessage }, 'jetstream frame over maxMessageSizeBytes dropped')
      return
    }
    this.stats.messages++
    this.#held.push(rawText(data))
    this.#drain()
  }

  // Re-checks #paused before each message because onMessage may pause us (queue at highWater).
  #drain(): void {
    while (!this.#paused && !this.#stopped && this.#held.length > 0) this.#deliver(this.#held.shift()!)
  }

  #deliver(text: string): void {
    try {
      this.#o.onMessage(text)
    } catch (err) {
      // Throwing here would unwind through ws's socket handler and take the process down.
      this.#o.log.warn({ err }, 'jetstream onMessage threw; message dropped')
    }
  }

  #startWatchdog(ws: WebSocket): void {
    this.#lastLife = performance.now()
    clearInterval(this.#watchdogTimer)
    this.#watchdogTimer = setInterval(() => {
      // A paused socket reads nothing, pongs included, so silence then is our own doing.
      if (this.#paused) this.#lastLife = performance.now()
      else if (performance.now() - this.#lastLife >= this.#dog.silenceMs) {
        this.#o.log.warn({ silenceMs: this.#dog.silenceMs }, 'jetstream connection silent; terminating')
        return ws.terminate()
      }
      ws.ping()
    }, this.#dog.pingIntervalMs)
  }

  #scheduleReconnect(): void {
    if (this.#stopped || this.#reconnectTimer) return
    // Full jitter: many clients dropped by the same outage must not reconnect in lockstep.
    const ceiling = Math.min(this.#backoff.maxMs, this.#backoff.baseMs * 2 ** Math.min(this.#attempt, 30))
    const delayMs = Math.floor(Math.random() * ceiling)
    this.#attempt++
    this.#o.log.info({ delayMs, attempt: this.#attempt }, 'jetstream reconnect scheduled')
    this.#reconnectTimer = setTimeout(() => this.#connect(), delayMs)
  }
}
