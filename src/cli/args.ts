import { parseArgs, type ParseArgsConfig } from 'node:util'
import { err, ok, type Result } from '../core/result.js'

export type Options = NonNullable<ParseArgsConfig['options']>
export type Values = Record<string, string | boolean | string[] | undefined>

/** Options every command accepts. */
export const GLOBAL_OPTIONS = {
  handle: { type: 'string' },
  password: { type: 'string' },
  pds: { type: 'string' },
  plc: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options

export const GLOBAL_HELP = `Sign-in and output:
  --handle <handle>      your handle (or ATRARIUM_HANDLE)
  --password <app pw>    an app password (or ATRARIUM_APP_PASSWORD); without either it is asked for
                         on the terminal. Given here, it shows in \`ps\` and in your shell history
  --pds <url>            your PDS; otherwise found from the handle's DID document. The password
                         goes only to https, or plain http on localhost, 127.0.0.1 or [::1]
  --plc <url>            PLC directory (or ATRARIUM_PLC_URL; default https://plc.directory)
  --json                 machine-readable output on stdout
  -h, --help             this help`

export interface Parsed {
  values: Values
  positionals: string[]
}

/** node:util parseArgs, strict, with its TypeErrors turned into one-line messages. */
export function parse(argv: string[], options: Options): Result<Parsed> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...options }, strict: true, allowPositionals: true })
    return ok({ values: values as Values, positionals })
  } catch (e) {
    return err(e instanceof Error ? e.message.split('\n')[0]! : String(e))
  }
}

export const str = (v: Values, name: string): string | undefined => {
  const x = v[name]
  return typeof x === 'string' ? x : undefined
}

export const list = (v: Values, name: string): string[] => {
  const x = v[name]
  return Array.isArray(x) ? x : typeof x === 'string' ? [x] : []
}

/** A positive integer option, or the default when absent. */
export function intOption(v: Values, name: string, fallback: number, max = 1_000_000): Result<number> {
  const raw = str(v, name)
  if (raw === undefined) return ok(fallback)
  const n = Number(raw)
  return /^\d+$/.test(raw) && n >= 1 && n <= max ? ok(n) : err(`--${name} must be an integer from 1 to ${max}, got ${raw}`)
}

/** Only http(s) URLs; an error names the option. */
export function urlOption(v: Values, name: string): Result<string | undefined> {
  const raw = str(v, name)
  if (raw === undefined) return ok(undefined)
  try {
    const u = new URL(raw)
    if (u.protocol === 'http:' || u.protocol === 'https:') return ok(raw.replace(/\/+$/, ''))
  } catch {}
  return err(`--${name} must be an http(s) URL, got ${raw}`)
}
