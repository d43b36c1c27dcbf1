import { getVerificationMaterial, type VerificationMaterial } from '@atcute/identity'
import { CompositeDidDocumentResolver, PlcDidDocumentResolver } from '@atcute/identity-resolver'
import { err, ok, type Result } from '../core/result.js'
import { SERVICE_ID } from '../core/web/client-config.js'
import { authFailure, type AuthFailure } from './auth-failure.js'
import { countedResolver, type ResolutionCounts } from './counted-resolver.js'
import { DidDocumentCache, type CachedDidDocument } from './did-document-cache.js'
import { SafeDidWebResolver, type HostLookup } from './did-web-resolver.js'
import { didWebUrl } from './did-web-url.js'
import { verifyJwtSignature, type JwtSignatureCheck } from './jwt-signature.js'
import { parseServiceJwt, type ServiceJwt } from './service-jwt.js'
import { TokenBucket } from './token-bucket.js'
import { VerifiedTokens } from './verified-tokens.js'

export interface ServiceAuthVerifierOptions {
  /** The `aud` every token must carry. */
  serviceDid: string
  /** did:plc documents come from here; did:web ones from https://<host>/.well-known/did.json. */
  plcUrl: string
  fetch?: typeof fetch
  /**
   * did:web documents are fetched with this instead of `fetch`: the Node host passes one that connects
   * only to the addresses it checked (src/node/pinned-fetch.ts). `fetch` still serves the PLC.
   */
  webFetch?: typeof fetch
  cacheTtlMs?: number
  cacheMaxEntries?: number
  /** Bound on the cached documents' total JSON size (8 MiB). */
  cacheMaxBytes?: number
  /** How long a failed resolution is remembered (60 s), and how many are (10,000). */
  failureTtlMs?: number
  failureMaxEntries?: number
  /** Network lookups per second allowed per DID method (20), and the burst (40). */
  lookupsPerSec?: number
  lookupBurst?: number
  resolveTimeoutMs?: number
  /** Checks a did:web name's addresses before it is fetched (see SafeDidWebResolver). */
  lookupHost?: HostLookup
  /** Test only, never set in production: did:web on loopback and private hosts, with a port, over http. */
  allowLocalDidWeb?: boolean
  /** Leeway for `exp` against our clock. */
  clockSkewSec?: number
  /** A failed signature re-resolves a cached document at most this often per DID. */
  minRefreshMs?: number
  now?: () => number
  /** The signature check; by default @atcute/crypto's, which every host can run. */
  verifySignature?: JwtSignatureCheck
  /**
   * The same rules, synchronously, where the host has such a check (libsecp256k1 in Node): a new
   * token from an issuer whose document is cached is then answered without a promise.
   */
  verifySignatureNow?: JwtSignatureCheckNow
  /** Counts the issuers' DID documents fetched (the metrics' `atrarium_did_resolutions_total`). */
  resolutions?: ResolutionCounts
  /** Verified tokens kept until they expire (10,000, 8 MiB); 0 keeps none. */
  verifiedTokensMaxEntries?: number
  verifiedTokensMaxBytes?: number
}

/** Who signed the request. `did` is `iss` without a `#serviceId` fragment. */
export interface VerifiedRequester {
  iss: string
  did: string
}

type KeyCheck = 'valid' | 'no-key' | 'bad-signature'

/** A token whose form and claims hold, its signature not yet checked. */
interface Claims {
  token: string
  jwt: ServiceJwt
  /** `iss` without its fragment. */
  did: string
  keyId: `#${string}`
}

/**
 * A host's synchronous signature check, for the keys it can check at once: true or false, or
 * undefined to leave the token to the asynchronous {@link JwtSignatureCheck}.
 */
export type JwtSignatureCheckNow = (material: VerificationMaterial, alg: string, message: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer>) => boolean | undefined

/**
 * Verifies atproto service JWTs (inter-service auth): signature by the issuer's DID key, `aud`,
 * `lxm` and `exp`. Built once per process; only fetch and WebCrypto, so every host can use it.
 */
export class ServiceAuthVerifier {
  readonly #serviceDid: string
  readonly #serviceAud: string
  readonly #cache: DidDocumentCache
  readonly #skewSec: number
  readonly #minRefreshMs: number
  readonly #now: () => number
  readonly #verifySignature: JwtSignatureCheck
  readonly #verifySignatureNow: JwtSignatureCheckNow | undefined
  readonly #allowLocalDidWeb: boolean
  readonly #keyTtlMs: number
  readonly #verified: VerifiedTokens | undefined

  constructor(opts: ServiceAuthVerifierOptions) {
    const fetchFn = opts.fetch ?? globalThis.fetch
    this.#allowLocalDidWeb = opts.allowLocalDidWeb ?? false
    const web = new SafeDidWebResolver({ fetch: opts.webFetch ?? fetchFn, allowLocal: this.#allowLocalDidWeb, ...(opts.lookupHost ? { lookupHost: opts.lookupHost } : {}) })
    const resolver = countedResolver(
      new CompositeDidDocumentResolver({ methods: { plc: new PlcDidDocumentResolver({ apiUrl: opts.plcUrl, fetch: fetchFn }), web } }),
      opts.resolutions,
    )
    this.#now = opts.now ?? Date.now
    // One budget per method: a flood of did:web issuers must not starve did:plc lookups, nor the reverse.
    const bucket = () => new TokenBucket({ perSec: opts.lookupsPerSec ?? 20, burst: opts.lookupBurst ?? 40, now: this.#now })
    const budgets = { plc: bucket(), web: bucket() }
    this.#verifySignature = opts.verifySignature ?? verifyJwtSignature
    this.#verifySignatureNow = opts.verifySignatureNow
    this.#serviceDid = opts.serviceDid
    this.#serviceAud = `${opts.serviceDid}#${SERVICE_ID}`
    this.#skewSec = opts.clockSkewSec ?? 5
    this.#minRefreshMs = opts.minRefreshMs ?? 10_000
    this.#keyTtlMs = opts.cacheTtlMs ?? 60 * 60_000
    const keep = opts.verifiedTokensMaxEntries ?? 10_000
    this.#verified = keep > 0 ? new VerifiedTokens({ maxEntries: keep, maxBytes: opts.verifiedTokensMaxBytes ?? 8 * 1024 * 1024 }) : undefined
    this.#cache = new DidDocumentCache({
      resolver,
      ttlMs: this.#keyTtlMs,
      maxEntries: opts.cacheMaxEntries ?? 10_000,
      maxBytes: opts.cacheMaxBytes ?? 8 * 1024 * 1024,
      // @atcute's resolvers stop reading at 20 KiB already; this also bounds what a resolver returns.
      maxDocumentBytes: 20 * 1024,
      failureTtlMs: opts.failureTtlMs ?? 60_000,
      maxFailures: opts.failureMaxEntries ?? 10_000,
      timeoutMs: opts.resolveTimeoutMs ?? 5_000,
      mayLookUp: (did) => (did.startsWith('did:plc:') ? budgets.plc : budgets.web).take(),
      now: this.#now,
    })
  }


  /**
   * {@link verify}'s answer, without a promise when it can be given at once: a token whose exact
   * text verified before and still holds, a token refused on its form or claims, or one whose
   * issuer's document is cached and whose signature the host checks synchronously
   * (`verifySignatureNow`). Otherwise a promise of the same answer.
   */
  verifyNow(token: string, lxm: string): Result<VerifiedRequester, AuthFailure> | Promise<Result<VerifiedRequester, AuthFailure>> {
    // Its exact text was verified before: only the method can differ, and the time has moved on.
    const kept = this.#verified?.get(token, this.#now())
    if (kept) return kept.lxm === lxm ? ok({ iss: kept.iss, did: kept.did }) : err(badLxm(lxm))
    const claims = this.#claims(token, lxm)
    if (!claims.ok) return claims
    return this.#checkCachedNow(claims.value) ?? this.#checkResolved(claims.value)
  }

  async verify(token: string, lxm: string): Promise<Result<VerifiedRequester, AuthFailure>> {
    return this.verifyNow(token, lxm)
  }

  /** The signature against the issuer's document, looked up (and once more on a failure) as needed. */
  async #checkResolved(claims: Claims): Promise<Result<VerifiedRequester, AuthFailure>> {
    const { jwt, did, keyId } = claims
    const first = await this.#cache.get(did)
    if (!first.ok) return first
    let keyFrom = first.value
    let check = await checkKey(keyFrom, keyId, jwt, this.#verifySignature)
    // A cached key may be stale after a rotation: look once more, but not on every forged token.
    if (check !== 'valid' && this.#mayRefresh(first.value)) {
      const fresh = await this.#cache.refresh(did)
      if (!fresh.ok) return fresh
      keyFrom = fresh.value
      check = await checkKey(keyFrom, keyId, jwt, this.#verifySignature)
    }
    return this.#outcome(check, claims, keyFrom)
  }

  /** Everything but the signature: the token's form, `exp`, `aud`, `lxm`, and an issuer we would resolve. */
  #claims(token: string, lxm: string): Result<Claims, AuthFailure> {
    const parsed = parseServiceJwt(token)
    if (!parsed.ok) return parsed
    const jwt = parsed.value
    if (this.#now() / 1000 > jwt.exp + this.#skewSec) return err(authFailure('JwtExpired', 'jwt expired'))
    // The PDS names us `did#bsky_fg` when the token was asked for under an OAuth `rpc:` scope, which
    // requires a service fragment; the bare DID is what AppViews and app passwords use.
    if (jwt.aud !== this.#serviceDid && jwt.aud !== this.#serviceAud) return err(authFailure('BadJwtAudience', 'jwt audience does not match service did'))
    if (jwt.lxm !== lxm) return err(badLxm(lxm))
    const [did = '', serviceId] = jwt.iss.split('#')
    // As atproto's services do: a labeler signs with its #atproto_label key, everything else with #atproto.
    const keyId = serviceId === 'atproto_labeler' ? '#atproto_label' : '#atproto'
    // Checked before the cache, so an issuer we would never resolve costs no lookup budget.
    const refused = this.#refusedIssuer(did)
    if (refused) return err(authFailure('AuthenticationRequired', refused))
    return ok({ token, jwt, did, keyId })
  }

  /** The synchronous check on a cached document; undefined where only `verify`'s path can answer. */
  #checkCachedNow(claims: Claims): Result<VerifiedRequester, AuthFailure> | undefined {
    const checkNow = this.#verifySignatureNow
    const cached = checkNow && this.#cache.cached(claims.did)
    if (!cached) return undefined
    const { jwt } = claims
    const material = getVerificationMaterial(cached.doc, claims.keyId)
    const valid = material ? checkNow(material, jwt.alg, jwt.message, jwt.signature) : false
    if (valid === undefined) return undefined
    const check: KeyCheck = valid ? 'valid' : material ? 'bad-signature' : 'no-key'
    // A failure may be a rotated key, which only the asynchronous path looks up again.
    if (check !== 'valid' && this.#mayRefresh(cached)) return undefined
    return this.#outcome(check, claims, cached)
  }

  #mayRefresh(doc: CachedDidDocument): boolean {
    return doc.fromCache && this.#now() - doc.fetchedAtMs >= this.#minRefreshMs
  }

  #outcome(check: KeyCheck, { token, jwt, did, keyId }: Claims, keyFrom: CachedDidDocument): Result<VerifiedRequester, AuthFailure> {
    if (check === 'no-key') return err(authFailure('AuthenticationRequired', `issuer has no usable ${keyId} key`))
    if (check === 'bad-signature') return err(authFailure('BadJwtSignature', 'jwt signature does not match jwt issuer'))
    // Trusted no longer than the key that verified it would be: a rotation is seen within the TTL.
    const untilMs = Math.min((jwt.exp + this.#skewSec) * 1000, keyFrom.fetchedAtMs + this.#keyTtlMs - 1)
    this.#verified?.put(token, { iss: jwt.iss, did, lxm: jwt.lxm, untilMs }, this.#now())
    return ok({ iss: jwt.iss, did })
  }

  #refusedIssuer(did: string): string | undefined {
    if (did.startsWith('did:plc:')) return PLC_RE.test(did) ? undefined : `not a did:plc identifier: ${did}`
    if (did.startsWith('did:web:')) {
      const url = didWebUrl(did, { allowLocal: this.#allowLocalDidWeb })
      return url.ok ? undefined : url.error
    }
    return `unsupported DID method: ${did.split(':', 2).join(':')}`
  }
}

const badLxm = (lxm: string) => authFailure('BadJwtLexiconMethod', `bad jwt lexicon method ("lxm"). must match: ${lxm}`)

// Real did:plc identifiers are 24 base32 characters. Only the form is checked here (the directory
// judges the rest), but it bounds what a forged issuer can make the failure cache hold.
const PLC_RE = /^did:plc:[a-z0-9]{1,32}$/

async function checkKey(cached: CachedDidDocument, keyId: `#${string}`, jwt: ServiceJwt, verify: JwtSignatureCheck): Promise<KeyCheck> {
  const material = getVerificationMaterial(cached.doc, keyId)
  if (!material) return 'no-key'
  return (await verify(material, jwt.alg, jwt.message, jwt.signature)) ? 'valid' : 'bad-signature'
}
