import { backfill } from './commands/backfill.js'
import { communityCreate } from './commands/community-create.js'
import { communityShow } from './commands/community-show.js'
import { communityUpdate } from './commands/community-update.js'
import { feedPublish, feedUnpublish } from './commands/feed-publish.js'
import { join } from './commands/join.js'
import { leave } from './commands/leave.js'
import { migrateD1 } from './commands/migrate-d1.js'
import { moderationCommands } from './commands/moderate.js'
import type { Command } from './command.js'

export const COMMANDS: readonly Command[] = [
  communityCreate,
  communityUpdate,
  communityShow,
  join,
  leave,
  ...moderationCommands,
  feedPublish,
  feedUnpublish,
  migrateD1,
  backfill,
]

/** The command named by the leading words of argv, and the rest of argv. */
export function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  let best: Command | undefined
  for (const c of COMMANDS) {
    if (c.path.every((w, i) => argv[i] === w) && c.path.length > (best?.path.length ?? 0)) best = c
  }
  return best && { command: best, rest: argv.slice(best.path.length) }
}

/** Commands under a group word such as `community` or `feed`. */
export const groupCommands = (word: string): Command[] => COMMANDS.filter((c) => c.path.length > 1 && c.path[0] === word)
