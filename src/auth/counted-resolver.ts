import type { DidDocumentResolver } from '@atcute/identity-resolver'

/** Network resolutions of DID documents, as an operator watches them: one PLC or did:web request each. */
export interface ResolutionCounts {
  ok: number
  failed: number
}

export const newResolutionCounts = (): ResolutionCounts => ({ ok: 0, failed: 0 })

/** The resolver, counting what it answers into `counts` (a resolver may be shared: counts add up). */
export function countedResolver<R extends DidDocumentResolver>(resolver: R, counts: ResolutionCounts | undefined): DidDocumentResolver {
  if (!counts) return resolver
  return {
    async resolve(did, options) {
      try {
        const doc = await resolver.resolve(did, options)
        counts.ok++
        return doc
      } catch (e) {
        counts.failed++
        throw e
      }
    },
  }
}
