import type { FeedMix, MembershipPolicy, Stage } from '../core/records.js'
import { ok, type Result } from '../core/result.js'
import { parseBooleanFlag, parseFeedMix, parseMembershipPolicy, parseStage } from '../records/feed-mix.js'
import { str, type Values } from './args.js'

/** The config settings `community create` and `community update` take alike, as given. */
export interface ConfigOptions {
  stage?: Stage
  feedMix?: FeedMix
  membership?: MembershipPolicy
  allowAdult?: boolean
}

const PARSERS = {
  stage: ['stage', parseStage],
  feedMix: ['feed-mix', parseFeedMix],
  membership: ['membership', parseMembershipPolicy],
  allowAdult: ['allow-adult', (text: string) => parseBooleanFlag('--allow-adult', text)],
} as const satisfies { [K in keyof ConfigOptions]-?: readonly [string, (text: string) => Result<NonNullable<ConfigOptions[K]>>] }

/** Parses each of those options that was given; the first bad one is the error. */
export function configOptions(values: Values): Result<ConfigOptions> {
  const out: Record<string, unknown> = {}
  for (const [key, [flag, parse]] of Object.entries(PARSERS)) {
    const text = str(values, flag)
    if (text === undefined) continue
    const parsed = parse(text)
    if (!parsed.ok) return parsed
    out[key] = parsed.value
  }
  return ok(out as ConfigOptions)
}
