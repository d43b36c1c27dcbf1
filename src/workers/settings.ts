import { loadConfig, type Config } from '../config.js'

const memo = new WeakMap<object, Config>()

/** The same settings and validation as the Node host, read from the Worker's vars. */
export function settingsOf(env: Env): Config {
  let config = memo.get(env)
  if (!config) {
    // Every text var and secret, whatever its name: loadConfig picks and validates its own.
    const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'))
    const loaded = loadConfig(vars)
    if (!loaded.ok) throw new Error(`invalid Worker vars: ${loaded.error}`)
    config = loaded.value
    memo.set(env, config)
  }
  return config
}
