import { GLOBAL_HELP } from './args.js'
import type { Command } from './command.js'

const line = (c: Command) => `  ${c.path.join(' ').padEnd(20)} ${c.summary}`

export function topHelp(commands: readonly Command[]): string {
  return `atrarium: manage Atrarium communities in your own repo, and rebuild the index

Usage: atrarium <command> [options]

Commands:
${commands.map(line).join('\n')}

Run atrarium <command> --help for a command's options.

${GLOBAL_HELP}`
}

export function groupHelp(word: string, commands: readonly Command[]): string {
  return `Usage: atrarium ${word} <subcommand> [options]

Subcommands:
${commands.map(line).join('\n')}

Run atrarium ${word} <subcommand> --help for its options.`
}

export function commandHelp(c: Command): string {
  return `${c.summary}

Usage: ${c.usage}

${c.help ? `Options:\n${c.help}\n\n` : ''}${GLOBAL_HELP}`
}
