import { WebSocket, type RawData } from 'ws'

export interface StreamLogger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
}

export interface StreamSocketOptions<Raw> {
  /** Log prefix, e.g. `jetstream` or `firehose`. */
  name: string
  /** The subscribe URL resuming after `cursor`; called on every (re)connect. */
  url: (cursor: number | undefined) => string
  /** Called on every (re)connect; the cursor of the last event the consumer has made durable. */
  getCursor: () => number | undefined
  /** Turns the socket's bytes into the frame the consumer reads (text for Jetstream, bytes for the firehose). */
  fromWire: (data: Buffer) => Raw
  onMessage: (raw: Raw) => void
  /** Frames above this are dropped unread. */
  maxMessageBytes: number
  log: StreamLogger
  backoff?: { baseMs?: number; maxMs?: number }
  watchdog?: { pingIntervalMs?: number; silenceMs?: number }
}

export interface StreamSocketStats {
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
const rawBuffer = (d: RawData): Buffer => (Array.isArray(d) ? Buffer.concat(d) : Buffer.isBuffer(d) ? d : Buffer.from(d))

/** One reconnecting WebSocket for every stream: backoff with jitter, ping watchdog, pause/resume, oversize drop. */
export class StreamSocket<Raw> {
  readonly stats: StreamSocketStats = { connects: 0, disconnects: 0, messages: 0, oversized: 0 }

  /** Whether the socket is open now, and for how long it has been down otherwise (ms). */
  get state(): { connected: boolean; downForMs?: number } {
    return this.#downSince === undefined ? { connected: true } : { connected: false, downForMs: Math.round(performance.now() - this.#downSince) }
  }
  readonly #o: StreamSocketOptions<Raw>
  readonly #maxMessage: number
  readonly #backoff: { baseMs: number; maxMs: number }
  readonly #dog: { pingIntervalMs: number; silenceMs: number }
  #ws: WebSocket | undefined
  /** performance.now() when the socket last went down (or was started), undefined while open. */
  #downSince: number | undefined = performance.now()
  #started = false
  #stopped = false
  #closing: Promise<void> | undefined
  #paused = false
  // ws may still emit frames it had already buffered when pause() was called; hold them here so a
  // paused client really delivers nothing. Bounded by what ws had already read, not by the stream.
  #held: Raw[] = []
  #attempt = 0
  #reconnectTimer: NodeJS.Timeout | undefined
  #watchdogTimer: NodeJS.Timeout | undefined
  #lastLife = 0
  // Set by every message, read by the watchdog: a flag costs a frame less than a clock read.
  #lifeSign = false

  constructor(opts: StreamSocketOptions<Raw>) {
    this.#o = opts
    this.#maxMessage = opts.maxMessageBytes
    this.#backoff = { baseMs: opts.backoff?.baseMs ?? 500, maxMs: opts.backoff?.maxMs ?? 30_000 }
    this.#dog = { pingIntervalMs: opts.watchdog?.pingIntervalMs ?? 10_000, silenceMs: opts.watchdog?.silenceMs ?? 30_000 }
    safeUrl(opts.url(undefined)) // fail at construction on a malformed URL rather than retrying it forever
  }

  get paused(): boolean {
    return this.#paused
  }

  buildUrl(cursor?: number): string {
    return this.#o.url(cursor)
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

  /** Drops the connection and reconnects (with backoff) from whatever getCursor says then. */
  reconnect(): void {
    this.#ws?.terminate()
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
        // ws would close on a text frame with bad UTF-8 (1007), and reconnecting at the same cursor
        // would meet the same frame again forever; decoding it with U+FFFD lets stage 2 judge it.
        // It also spares a validation pass over every frame.
        skipUTF8Validation: true,
      })
    } catch (err) {
      this.#o.log.warn({ err, cursor }, `${this.#o.name} connect failed`)
      return this.#scheduleReconnect()
    }
    const url = safeUrl(this.buildUrl(cursor))
    let opened = false
    let heard = false
    this.#ws = ws
    ws.on('open', () => {
      opened = true
      this.#downSince = undefined
      this.stats.connects++
      this.#o.log.info({ url, cursor }, `${this.#o.name} connected`)
      if (this.#paused) ws.pause()
      this.#startWatchdog(ws)
    })
    ws.on('message', (data: RawData) => {
      this.#lifeSign = true
      if (!heard) {
        heard = true
        this.#attempt = 0 // only a connection that actually carried data proves the endpoint is healthy
      }
      this.#receive(data)
    })
    ws.on('pong', () => (this.#lastLife = performance.now()))
    // Without an error listener ws errors (refused, DNS, 4xx upgrade) would be thrown; 'close' always follows.
    ws.on('error', (err) => this.#o.log.warn({ err, url, cursor }, `${this.#o.name} socket error`))
    ws.on('close', (code: number, reason: Buffer) => {
      clearInterval(this.#watchdogTimer)
      if (this.#ws === ws) this.#ws = undefined
      if (opened) this.#downSince = performance.now()
      if (opened) this.stats.disconnects++
      if (opened) this.#o.log.info({ url, cursor, code, reason: reason.toString() }, `${this.#o.name} disconnected`)
      this.#scheduleReconnect()
    })
  }

  #receive(data: RawData): void {
    if (this.#stopped) return
    const size = rawSize(data)
    if (size > this.#maxMessage) {
      this.stats.oversized++
      this.#o.log.warn({ size, max: this.#maxMessage }, `${this.#o.name} frame over maxMessageSizeBytes dropped`)
      return
    }
    this.stats.messages++
    const raw = this.#o.fromWire(rawBuffer(data))
    // The common case, flowing with nothing held, skips the queue.
    if (!this.#paused && this.#held.length === 0) return this.#deliver(raw)
    this.#held.push(raw)
    this.#drain()
  }

  // Re-checks #paused before each message because onMessage may pause us (queue at highWater).
  #drain(): void {
    while (!this.#paused && !this.#stopped && this.#held.length > 0) this.#deliver(this.#held.shift()!)
  }

  #deliver(raw: Raw): void {
    try {
      this.#o.onMessage(raw)
    } catch (err) {
      // Throwing here would unwind through ws's socket handler and take the process down.
      this.#o.log.warn({ err }, `${this.#o.name} onMessage threw; message dropped`)
    }
  }

  #startWatchdog(ws: WebSocket): void {
    this.#lastLife = performance.now()
    clearInterval(this.#watchdogTimer)
    this.#watchdogTimer = setInterval(() => {
      // A paused socket reads nothing, pongs included, so silence then is our own doing. Messages
      // date life to this tick, at most one ping interval after the last of them.
      if (this.#paused || this.#lifeSign) {
        this.#lastLife = performance.now()
        this.#lifeSign = false
      } else if (performance.now() - this.#lastLife >= this.#dog.silenceMs) {
        this.#o.log.warn({ silenceMs: this.#dog.silenceMs }, `${this.#o.name} connection silent; terminating`)
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
    this.#o.log.info({ delayMs, attempt: this.#attempt }, `${this.#o.name} reconnect scheduled`)
    this.#reconnectTimer = setTimeout(() => this.#connect(), delayMs)
  }
}
