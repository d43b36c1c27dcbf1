import { loadConfig, type Config } from '../config.js'
import type { Logger } from '../core/logger.js'

const memo = new WeakMap<object, Config>()

/** The same settings and validation as the Node host, read from the Worker's vars. */
export function settingsOf(env: Env): Config {
  let config = memo.get(env)
  if (!config) {
    const loaded = loadConfig({
      ATRARIUM_JETSTREAM_URL: env.ATRARIUM_JETSTREAM_URL,
      ATRARIUM_HOSTNAME: env.ATRARIUM_HOSTNAME,
      ATRARIUM_SERVICE_DID: env.ATRARIUM_SERVICE_DID,
      ATRARIUM_RETENTION_DAYS: env.ATRARIUM_RETENTION_DAYS,
      LOG_LEVEL: env.LOG_LEVEL,
    })
    if (!loaded.ok) throw new Error(`invalid Worker vars: ${loaded.error}`)
    config = loaded.value
    memo.set(env, config)
  }
  return config
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal']

/** JSON lines on the console, which Workers Logs indexes by field. */
export function consoleLogger(level: string, base: Record<string, unknown> = {}): Logger {
  const min = level === 'silent' ? Infinity : LEVELS.indexOf(level)
  const at = (lvl: string) => (obj: object, msg?: string) => {
    if (LEVELS.indexOf(lvl) < min) return
    const line = JSON.stringify({ level: lvl, ...base, ...obj, ...(msg ? { msg } : {}) }, (_k, v) => (v instanceof Error ? { message: v.message, name: v.name } : v))
    if (lvl === 'error' || lvl === 'fatal') console.error(line)
    else console.log(line)
  }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}
