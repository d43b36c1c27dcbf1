import { getPdsEndpoint } from '@atcute/identity'
import { CompositeDidDocumentResolver, PlcDidDocumentResolver } from '@atcute/identity-resolver'
import { countedResolver, type ResolutionCounts } from './counted-resolver.js'
import { SafeDidWebResolver } from './did-web-resolver.js'
import { err, ok } from '../core/result.js'
import type { Identity } from '../cli/identity.js'

/**
 * DID → PDS for what the service reads on its own (the first-start backfill): did:plc from the
 * configured directory, did:web only from public hosts, fetched with `webFetch` (pinned to the
 * addresses it checked). A DID document is anyone's to write, so nothing it names is trusted.
 */
export function serviceIdentity(opts: { plcUrl: string; webFetch: typeof fetch; allowLocal: boolean; resolutions?: ResolutionCounts }): Identity {
  const docs = countedResolver(
    new CompositeDidDocumentResolver({
      methods: { plc: new PlcDidDocumentResolver({ apiUrl: opts.plcUrl }), web: new SafeDidWebResolver({ fetch: opts.webFetch, allowLocal: opts.allowLocal }) },
    }),
    opts.resolutions,
  )
  return {
    didOf: async (handle) => err(`the service does not resolve handles (${handle})`),
    async pdsOf(did) {
      if (!did.startsWith('did:plc:') && !did.startsWith('did:web:')) return err(`unsupported DID method: ${did}`)
      try {
        const pds = getPdsEndpoint(await docs.resolve(did as `did:plc:${string}` | `did:web:${string}`))
        return pds ? ok(pds) : err(`the DID document of ${did} names no #atproto_pds service`)
      } catch (e) {
        return err(`cannot resolve DID document of ${did}: ${e instanceof Error ? e.message : String(e)}`)
      }
    },
  }
}
