import type { Logger } from '../core/logger.js'

const LEVELS = ['debug', 'info', 'warn', 'error'] as const
type Level = (typeof LEVELS)[number]

// Workers Logs indexes JSON lines; Error objects stringify to {} so they are flattened first.
const flatten = (obj: object): object =>
  Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, v instanceof Error ? `${v.name}: ${v.message}` : v]))

/** Logger over console for the Workers host, at LOG_LEVEL and above (unknown levels mean info). */
export function consoleLogger(level: string | undefined, bindings: object = {}): Logger {
  const min = Math.max(0, LEVELS.indexOf(level as Level))
  const at =
    (l: Level) =>
    (obj: object, msg?: string): void => {
      if (LEVELS.indexOf(l) < min) return
      const line = JSON.stringify({ level: l, ...bindings, ...flatten(obj), msg })
      if (l === 'error') console.error(line)
      else if (l === 'warn') console.warn(line)
      else console.log(line)
    }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}
