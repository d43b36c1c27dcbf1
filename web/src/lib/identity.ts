import type { WebClientConfig } from './config.js'
import { XrpcError, xrpcGet } from './xrpc.js'

interface DidDocument {
  id: string
  alsoKnownAs?: string[]
  service?: { id: string; type: string; serviceEndpoint: string }[]
}

export interface Identity {
  did: string
  /** From the DID document (or the AppView's profile); `undefined` when it names none. */
  handle?: string
  pds?: string
}

const DID_RE = /^did:(plc:[a-z2-7]{24}|web:[a-zA-Z0-9.%-]+)$/

/**
 * DID ↔ handle and DID → PDS, in the browser: did:plc from the deployment's PLC directory, did:web
 * from its host. Everything is remembered for the page's lifetime, and failures become `undefined`
 * (a post whose author cannot be resolved is shown without a handle, not dropped).
 */
export class IdentityResolver {
  #docs = new Map<string, Promise<DidDocument | undefined>>()
  #handles = new Map<string, Promise<string>>()

  constructor(private readonly cfg: WebClientConfig) {}

  #doc(did: string): Promise<DidDocument | undefined> {
    let doc = this.#docs.get(did)
    if (!doc) {
      const url = did.startsWith('did:plc:')
        ? `${this.cfg.plcUrl}/${did}`
        : `https://${decodeURIComponent(did.slice('did:web:'.length))}/.well-known/did.json`
      doc = DID_RE.test(did)
        ? fetch(url).then(async (r) => (r.ok ? ((await r.json()) as DidDocument) : undefined)).then((d) => (d?.id === did ? d : undefined), () => undefined)
        : Promise.resolve(undefined)
      this.#docs.set(did, doc)
      // A failure is not remembered: a network blip must not hide a handle until reload.
      void doc.then((d) => d === undefined && this.#docs.get(did) === doc && this.#docs.delete(did))
    }
    return doc
  }

  async identity(did: string): Promise<Identity> {
    const doc = await this.#doc(did)
    const aka = doc?.alsoKnownAs?.find((a) => a.startsWith('at://'))
    const pds = doc?.service?.find((s) => s.id === '#atproto_pds' || s.id === `${did}#atproto_pds`)?.serviceEndpoint
    return { did, ...(aka ? { handle: aka.slice('at://'.length) } : {}), ...(pds ? { pds } : {}) }
  }

  /**
   * The handle a DID document claims, only once the handle resolves back to the same DID: anyone can
   * write any handle into their own document.
   */
  async handleOf(did: string): Promise<string | undefined> {
    const { handle } = await this.identity(did)
    if (!handle) return undefined
    const back = await this.resolve(handle).catch(() => undefined)
    return back === did ? handle : undefined
  }

  /** A handle or a DID → the DID; a clear error when the handle does not resolve. */
  resolve(handleOrDid: string): Promise<string> {
    const input = handleOrDid.trim().replace(/^@/, '').toLowerCase()
    if (input.startsWith('did:')) return Promise.resolve(handleOrDid.trim())
    let did = this.#handles.get(input)
    if (!did) {
      did = xrpcGet<{ did: string }>(this.cfg.handleResolverUrl, 'com.atproto.identity.resolveHandle', { handle: input })
        .then((r) => r.did)
        .catch((e: unknown) => {
          this.#handles.delete(input)
          if (e instanceof XrpcError && e.status === 400) throw new Error(`no account has the handle @${input}`)
          throw e
        })
      this.#handles.set(input, did)
    }
    return did
  }
}
