import { parse } from './args.js'
import { CliContext, type Env } from './context.js'
import type { PromptInput } from './prompt.js'
import { commandHelp, groupHelp, topHelp } from './help.js'
import { COMMANDS, findCommand, groupCommands } from './registry.js'
import { errorMessage } from './xrpc-error.js'

export interface Streams {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  /** Where the app password is asked for when not given; without a TTY it is never asked. */
  stdin?: PromptInput
}

/** Exit codes: 0 done, 1 the command failed, 2 the command line was wrong. */
export async function runCli(argv: string[], env: Env, io: Streams): Promise<number> {
  const out = (s: string) => io.stdout.write(`${s}\n`)
  const wantsJson = argv.includes('--json')
  const fail = (message: string, code: number) => {
    io.stderr.write(`atrarium: ${message}\n`)
    if (wantsJson) out(JSON.stringify({ ok: false, error: message }))
    return code
  }

  const found = findCommand(argv)
  if (!found) {
    const word = argv[0]
    const group = word ? groupCommands(word) : []
    if (group.length > 0) {
      if (argv.slice(1).some((a) => a === '--help' || a === '-h')) return out(groupHelp(word!, group)), 0
      return fail(`${word} needs a subcommand: ${group.map((c) => c.path[1]).join(', ')} (see atrarium ${word} --help)`, 2)
    }
    if (!word || word === '--help' || word === '-h' || word === 'help') return out(topHelp(COMMANDS)), 0
    return fail(`unknown command ${word} (see atrarium --help)`, 2)
  }

  const { command, rest } = found
  const parsed = parse(rest, command.options)
  if (!parsed.ok) return fail(`${parsed.error} (see atrarium ${command.path.join(' ')} --help)`, 2)
  const { values, positionals } = parsed.value
  if (values.help) return out(commandHelp(command)), 0
  const [min, max] = command.args
  if (positionals.length < min || positionals.length > max) {
    const what = positionals.length < min ? 'missing argument' : `unexpected argument ${positionals[max]}`
    return fail(`${what}; usage: ${command.usage}`, 2)
  }
  const ctx = CliContext.create(values, env, io.stderr, io.stdin)
  if (!ctx.ok) return fail(ctx.error, 2)

  try {
    const result = await command.run({ values, positionals, ctx: ctx.value })
    if (!result.ok) return fail(result.error, 1)
    const { text, json, error } = result.value
    if (error !== undefined) {
      io.stderr.write(`atrarium: ${error}\n`)
      out(values.json ? JSON.stringify({ ok: false, error, ...json }) : text)
      return 1
    }
    out(values.json ? JSON.stringify({ ok: true, ...json }) : text)
    return 0
  } catch (e) {
    return fail(errorMessage(e), 1)
  }
}

export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2), process.env, {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
  })
}
