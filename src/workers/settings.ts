import { loadConfig, type Config } from '../config.js'

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
      ATRARIUM_PLC_URL: env.ATRARIUM_PLC_URL,
      ATRARIUM_APPVIEW_URL: env.ATRARIUM_APPVIEW_URL,
      ATRARIUM_HANDLE_RESOLVER_URL: env.ATRARIUM_HANDLE_RESOLVER_URL,
      ATRARIUM_BSKY_APP_URL: env.ATRARIUM_BSKY_APP_URL,
      LOG_LEVEL: env.LOG_LEVEL,
    })
    if (!loaded.ok) throw new Error(`invalid Worker vars: ${loaded.error}`)
    config = loaded.value
    memo.set(env, config)
  }
  return config
}
