/**
 * SPEC §8: moderation actions are public records, so every tool that writes one refuses a
 * `reason` containing an e-mail address or a phone number, and says why.
 *
 * This is a writer-side check. Ingestion does not reject other people's actions on these grounds
 * (SPEC §2 lists the validation rules for records read from the network).
 */
import { err, ok, type Result } from './result.js'

const WHY = 'moderation actions are public records'

// Checked after NFKC normalisation, so full-width forms (＠, ０-９, ＋, －) are caught too.
const EMAIL_RE = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/u

/**
 * A run of digit groups joined by short separators, optionally led by `+` and/or a parenthesised
 * area code. Not preceded by an ASCII letter, digit or `_`, so ids such as `#atrarium_0123abcd`,
 * `did:plc:…` or record keys are not candidates.
 */
const PHONE_CANDIDATE_RE =
  /(?<![A-Za-z0-9_])(?:\+ ?)?(?:\(\d{1,5}\) ?)?\d+(?:(?: ?[-.‐‑–] ?| |\) ?| ?\()\d+)*/g

const DATE_RES = [/^\d{4}[-./]\d{1,2}[-./]\d{1,2}$/, /^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$/]
const IPV4_RE = /^\d{1,3}(?:\.\d{1,3}){3}$/
/** 1.000.000 or 1 000 000 style thousands grouping (same separator throughout). */
const THOUSANDS_RE = /^[1-9]\d{0,2}(?:([. ])\d{3})(?:\1\d{3})*$/
const YEAR_RE = /^(?:19|20)\d\d$/
/** US/Canada local 555-1234. */
const LOCAL_7_RE = /^\d{3}[-.]\d{4}$/

function looksLikePhone(candidate: string): boolean {
  const groups = candidate.match(/\d+/g) ?? []
  const digits = groups.join('')
  if (digits.length < 7 || digits.length > 15) return false

  const hasPlus = candidate.startsWith('+')
  const hasParen = candidate.includes('(')
  if (!hasPlus && !hasParen) {
    if (DATE_RES.some((re) => re.test(candidate))) return false
    if (IPV4_RE.test(candidate)) return false
    if (THOUSANDS_RE.test(candidate)) return false
    if (groups.length > 1 && groups.every((g) => YEAR_RE.test(g))) return false
  }

  if (groups.length === 1) {
    // A bare digit run: only an international (+…) or trunk-prefixed (0…) number is a phone.
    return hasPlus || (digits.startsWith('0') && digits.length >= 9)
  }
  // Without a `+`, phone groups after the first have 2+ digits: "1 2 3 4 5 6 7" is a list.
  // (International numbers may have a 1-digit group: +33 1 23 45 67 89.)
  if (!hasPlus && groups.slice(1).some((g) => g.length < 2)) return false
  return (
    hasPlus ||
    hasParen ||
    groups.length >= 3 ||
    digits.startsWith('0') ||
    LOCAL_7_RE.test(candidate)
  )
}

/** Returns the reason unchanged when it is safe to publish, or an error saying why not. */
export function checkReasonPrivacy(reason: string): Result<string> {
  const text = reason.normalize('NFKC')
  if (EMAIL_RE.test(text)) {
    return err(`reason contains an e-mail address; ${WHY}`)
  }
  for (const m of text.matchAll(PHONE_CANDIDATE_RE)) {
    if (looksLikePhone(m[0].trimEnd())) {
      return err(`reason contains a phone number; ${WHY}`)
    }
  }
  return ok(reason)
}
