import { NSID } from '../nsid.js'

/**
 * What the browser app needs from the host it was served by, as `/app-config.json`: the app is one
 * static build, so everything that differs per deployment reaches it here, never baked in.
 */
export interface WebClientConfig {
  /** The `aud` of the service JWTs the moderator view asks the user's PDS for. */
  serviceDid: string
  /** Public host name: the production OAuth client id is `https://<hostname>/client-metadata.json`. */
  hostname: string
  /** did:plc documents (authors' PDSs and handles, the OAuth client's identity lookups). */
  plcUrl: string
  /** Answers com.atproto.identity.resolveHandle for sign-in and owner/moderator handles. */
  handleResolverUrl: string
  /** When set, posts and profiles are hydrated from this AppView; else from each author's PDS. */
  appviewUrl?: string
  /** Where "open in Bluesky" links point. */
  bskyAppUrl: string
  /** The OAuth scope the app asks for (the same string `client-metadata.json` declares). */
  scope: string
}

/** The fragment of our service entry in did.json; atproto's `rpc:` scopes name an audience as `did#id`. */
export const SERVICE_ID = 'bsky_fg'

/** The repo collections the app writes: nothing else is asked for. */
export const WRITTEN_COLLECTIONS = [NSID.config, NSID.membership, NSID.action, NSID.post, NSID.feedGenerator] as const

/**
 * The narrowest scope the PDS honours for the app: writes to its own collections, and service JWTs
 * for the moderator view's one method. The audience is `*` because an `rpc:` audience must be
 * `did#service`, while the PDS (0.4.x, as in @atproto/dev-env 0.3.215) checks a service-auth request
 * against the bare DID, so no `did#…` audience ever matches and asking for one fails the request;
 * bluesky-social/atproto#4602 fixes the check upstream. The token is still bound to one method,
 * and its `aud` is this service (src/auth/service-auth-verifier.ts refuses any other).
 */
export const OAUTH_SCOPE = ['atproto', ...WRITTEN_COLLECTIONS.map((c) => `repo:${c}`), `rpc:${NSID.getPosts}?aud=*`].join(' ')

/** Loopback hosts get atproto's development client; anything else serves its own metadata. */
export const isLoopbackHost = (hostname: string): boolean => /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(hostname)

/** The OAuth client metadata document of a production deployment (atproto OAuth, browser client). */
export function clientMetadata(hostname: string, scope: string): Record<string, unknown> {
  const origin = `https://${hostname}`
  return {
    client_id: `${origin}/client-metadata.json`,
    client_name: 'Atrarium',
    client_uri: origin,
    redirect_uris: [`${origin}/`],
    scope,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    application_type: 'web',
    dpop_bound_access_tokens: true,
  }
}
