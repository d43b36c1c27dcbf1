import { getPdsEndpoint } from '@atcute/identity'
import {
  CompositeDidDocumentResolver,
  CompositeHandleResolver,
  DohJsonHandleResolver,
  PlcDidDocumentResolver,
  WebDidDocumentResolver,
  WellKnownHandleResolver,
  XrpcHandleResolver,
  type HandleResolver,
} from '@atcute/identity-resolver'
import { isValidDid, isValidHandle } from '@atproto/syntax'
import { err, ok, type Result } from '../core/result.js'
import { errorMessage } from './xrpc-error.js'

export const DEFAULT_PLC_URL = 'https://plc.directory'
const DOH_URL = 'https://cloudflare-dns.com/dns-query'

export interface IdentityOptions {
  plcUrl: string
  /** When given, handles are resolved by this PDS (com.atproto.identity.resolveHandle). */
  pdsUrl?: string
}

export interface Identity {
  /** A DID as is, or a handle resolved to its DID. */
  didOf(actor: string): Promise<Result<string>>
  /** The `#atproto_pds` endpoint of a DID's document. */
  pdsOf(did: string): Promise<Result<string>>
}

export function createIdentity(opts: IdentityOptions): Identity {
  const docs = new CompositeDidDocumentResolver({
    methods: { plc: new PlcDidDocumentResolver({ apiUrl: opts.plcUrl }), web: new WebDidDocumentResolver() },
  })
  const handles: HandleResolver = opts.pdsUrl
    ? new XrpcHandleResolver({ serviceUrl: opts.pdsUrl })
    : new CompositeHandleResolver({
        strategy: 'dns-first',
        methods: { dns: new DohJsonHandleResolver({ dohUrl: DOH_URL }), http: new WellKnownHandleResolver() },
      })

  return {
    async didOf(actor) {
      if (isValidDid(actor)) return ok(actor)
      const handle = actor.replace(/^@/, '')
      if (!isValidHandle(handle)) return err(`${actor} is neither a DID nor a handle`)
      try {
        return ok(await handles.resolve(handle as `${string}.${string}`))
      } catch (e) {
        return err(`cannot resolve handle ${handle}: ${errorMessage(e)}`)
      }
    },
    async pdsOf(did) {
      if (!did.startsWith('did:plc:') && !did.startsWith('did:web:')) return err(`unsupported DID method: ${did}`)
      try {
        const doc = await docs.resolve(did as `did:plc:${string}` | `did:web:${string}`)
        const pds = getPdsEndpoint(doc)
        return pds ? ok(pds) : err(`the DID document of ${did} names no #atproto_pds service`)
      } catch (e) {
        return err(`cannot resolve DID document of ${did}: ${errorMessage(e)}`)
      }
    },
  }
}
