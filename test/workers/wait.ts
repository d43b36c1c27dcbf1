export const DEFAULT_WAIT_MS = 5_000

/** Polls a condition on a short tick until it holds, failing with a label after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, label: string, ms = DEFAULT_WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${label}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
