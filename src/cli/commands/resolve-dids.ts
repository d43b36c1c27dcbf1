import { ok, type Result } from '../../core/result.js'
import type { CliContext } from '../context.js'

/** DIDs as given; handles resolved. The first failure is the answer. */
export async function resolveDids(ctx: CliContext, actors: string[]): Promise<Result<string[]>> {
  const out: string[] = []
  for (const actor of actors) {
    const did = await ctx.identity.didOf(actor)
    if (!did.ok) return did
    out.push(did.value)
  }
  return ok(out)
}
