import type { FeedMix, MembershipPolicy, Stage } from '../core/records.js'
import { err, ok, type Result } from '../core/result.js'

/** `--feed-mix own,parent,global`: integers 0–100 summing to 100 (SPEC §2). */
export function parseFeedMix(text: string): Result<FeedMix> {
  const fail = err(`feedMix must be three integers 0–100 that sum to 100, got ${text}`)
  const parts = text.split(',').map((p) => p.trim())
  if (parts.length !== 3 || !parts.every((p) => /^\d{1,3}$/.test(p))) return fail
  const [own, parent, global] = parts.map(Number) as [number, number, number]
  if ([own, parent, global].some((n) => n > 100) || own + parent + global !== 100) return fail
  return ok({ own, parent, global })
}

const STAGES: readonly Stage[] = ['theme', 'community', 'graduated']

export function parseStage(text: string): Result<Stage> {
  return (STAGES as readonly string[]).includes(text)
    ? ok(text as Stage)
    : err(`stage must be one of ${STAGES.join(', ')}, got ${text}`)
}

const POLICIES: readonly MembershipPolicy[] = ['open', 'approval']

export function parseMembershipPolicy(text: string): Result<MembershipPolicy> {
  return (POLICIES as readonly string[]).includes(text) ? ok(text as MembershipPolicy) : err(`membership must be open or approval, got ${text}`)
}

/** `--allow-adult true|false`. */
export function parseBooleanFlag(name: string, text: string): Result<boolean> {
  return text === 'true' ? ok(true) : text === 'false' ? ok(false) : err(`${name} must be true or false, got ${text}`)
}
