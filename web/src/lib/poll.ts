/** Asks `check` until it says yes, at most `tries` times `everyMs` apart: the index catches up in seconds. */
export async function until(check: () => Promise<boolean>, tries = 30, everyMs = 1000): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await check().catch(() => false)) return true
    await new Promise((r) => setTimeout(r, everyMs))
  }
  return false
}
