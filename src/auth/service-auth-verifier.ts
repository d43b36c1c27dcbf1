import { getVerificationMaterial } from '@atcute/identity'
import { AtprotoWebDidDocumentResolver, CompositeDidDocumentResolver, DocumentNotFoundError, PlcDidDocumentResolver } from '@atcute/identity-resolver'
import { err, ok, type Result } from '../core/result.js'
import { authFailure, type AuthFailure } from './auth-failure.js'
import { DidDocumentCache, type CachedDidDocument } from './did-document-cache.js'
import { verifyJwtSignature, type JwtSignatureCheck } from './jwt-signature.js'
import { parseServiceJwt, type ServiceJwt } from './service-jwt.js'

export interface ServiceAuthVerifierOptions {
  /** The `aud` every token must carry. */
  serviceDid: string
  /** did:plc documents come from here; did:web ones from https://<host>/.well-known/did.json. */
  plcUrl: string
  fetch?: typeof fetch
  cacheTtlMs?: number
  cacheMaxEntries?: number
  resolveTimeoutMs?: number
  /** Leeway for `exp` against our clock. */
  clockSkewSec?: number
  /** A failed signature re-resolves a cached document at most this often per DID. */
  minRefreshMs?: number
  now?: () => number
  /** The signature check; by default @atcute/crypto's, which every host can run. */
  verifySignature?: JwtSignatureCheck
}

/** Who signed the request. `did` is `iss` without a `#serviceId` fragment. */
export interface VerifiedRequester {
  iss: string
  did: string
}

type KeyCheck = 'valid' | 'no-key' | 'bad-signature'

/**
 * Verifies atproto service JWTs (inter-service auth): signature by the issuer's DID key, `aud`,
 * `lxm` and `exp`. Built once per process; only fetch and WebCrypto, so every host can use it.
 */
export class ServiceAuthVerifier {
  readonly #serviceDid: string
  readonly #cache: DidDocumentCache
  readonly #skewSec: number
  readonly #minRefreshMs: number
  readonly #now: () => number
  readonly #verifySignature: JwtSignatureCheck

  constructor(opts: ServiceAuthVerifierOptions) {
    const fetchFn = opts.fetch ?? globalThis.fetch
    const resolver = new CompositeDidDocumentResolver({
      methods: { plc: new PlcDidDocumentResolver({ apiUrl: opts.plcUrl, fetch: fetchFn }), web: new AtprotoWebDidDocumentResolver({ fetch: fetchFn }) },
    })
    this.#now = opts.now ?? Date.now
    this.#verifySignature = opts.verifySignature ?? verifyJwtSignature
    this.#serviceDid = opts.serviceDid
    this.#skewSec = opts.clockSkewSec ?? 5
    this.#minRefreshMs = opts.minRefreshMs ?? 10_000
    this.#cache = new DidDocumentCache({
      resolver,
      ttlMs: opts.cacheTtlMs ?? 60 * 60_000,
      maxEntries: opts.cacheMaxEntries ?? 10_000,
      timeoutMs: opts.resolveTimeoutMs ?? 5_000,
      now: this.#now,
    })
  }

  async verify(token: string, lxm: string): Promise<Result<VerifiedRequester, AuthFailure>> {
    const parsed = parseServiceJwt(token)
    if (!parsed.ok) return parsed
    const jwt = parsed.value
    if (this.#now() / 1000 > jwt.exp + this.#skewSec) return err(authFailure('JwtExpired', 'jwt expired'))
    if (jwt.aud !== this.#serviceDid) return err(authFailure('BadJwtAudience', 'jwt audience does not match service did'))
    if (jwt.lxm !== lxm) return err(authFailure('BadJwtLexiconMethod', `bad jwt lexicon method ("lxm"). must match: ${lxm}`))

    const [did = '', serviceId] = jwt.iss.split('#')
    // As atproto's services do: a labeler signs with its #atproto_label key, everything else with #atproto.
    const keyId = serviceId === 'atproto_labeler' ? '#atproto_label' : '#atproto'
    const first = await this.#resolve(did, (d) => this.#cache.get(d))
    if (!first.ok) return first
    let check = await checkKey(first.value, keyId, jwt, this.#verifySignature)
    // A cached key may be stale after a rotation: look once more, but not on every forged token.
    if (check !== 'valid' && first.value.fromCache && this.#now() - first.value.fetchedAtMs >= this.#minRefreshMs) {
      const fresh = await this.#resolve(did, (d) => this.#cache.refresh(d))
      if (!fresh.ok) return fresh
      check = await checkKey(fresh.value, keyId, jwt, this.#verifySignature)
    }
    if (check === 'no-key') return err(authFailure('AuthenticationRequired', `issuer has no usable ${keyId} key`))
    if (check === 'bad-signature') return err(authFailure('BadJwtSignature', 'jwt signature does not match jwt issuer'))
    return ok({ iss: jwt.iss, did })
  }

  async #resolve(did: string, load: (did: string) => Promise<CachedDidDocument>): Promise<Result<CachedDidDocument, AuthFailure>> {
    try {
      return ok(await load(did))
    } catch (e) {
      const message = e instanceof DocumentNotFoundError ? `unknown issuer ${did}` : `could not resolve issuer ${did}`
      return err(authFailure('AuthenticationRequired', message))
    }
  }
}

async function checkKey(cached: CachedDidDocument, keyId: `#${string}`, jwt: ServiceJwt, verify: JwtSignatureCheck): Promise<KeyCheck> {
  const material = getVerificationMaterial(cached.doc, keyId)
  if (!material) return 'no-key'
  return (await verify(material, jwt.alg, jwt.message, jwt.signature)) ? 'valid' : 'bad-signature'
}
