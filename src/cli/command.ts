import type { Options, Values } from './args.js'
import type { CliContext } from './context.js'
import type { Result } from '../core/result.js'

export interface CommandOutput {
  /** Human-readable lines for stdout. */
  text: string
  /** The same result for `--json`. */
  json: Record<string, unknown>
  /**
   * Set when the command failed after doing part of its work: the output still says what was
   * done (stdout, `--json` as `{ok: false, error, …}`), the error goes to stderr, and the exit is 1.
   */
  error?: string
}

export interface CommandInput {
  values: Values
  positionals: string[]
  ctx: CliContext
}

/** One command: its help, its options and a runner that does the I/O. */
export interface Command {
  path: readonly string[]
  summary: string
  usage: string
  /** Command-specific option lines for --help. */
  help: string
  options: Options
  /** How many positional arguments it takes. */
  args: readonly [min: number, max: number]
  run(input: CommandInput): Promise<Result<CommandOutput>>
}
