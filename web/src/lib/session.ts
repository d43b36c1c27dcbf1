import type { BrowserOAuthClient, OAuthSession } from '@atproto/oauth-client-browser'
import { isLoopbackHost } from '../../../src/core/web/client-config.js'
import type { WebClientConfig } from './config.js'
import { SessionEndedError, type Account } from './pds.js'

/**
 * atproto OAuth in the browser. Locally the app is a loopback client (`http://localhost?…`, which
 * no server fetches); deployed, its client id is the host's own `/client-metadata.json`. Tokens
 * stay in this browser (IndexedDB, DPoP-bound); our server never sees them.
 */
export class Auth {
  #client?: Promise<BrowserOAuthClient>
  #ended?: (e: unknown) => boolean
  #signingOut = false
  /** The DID this page is signed in as: only the end of that session is news to the user. */
  #current?: string
  /** Called when the library drops the session (revoked, expired, signed out in another tab). */
  onSessionEnded?: () => void

  constructor(private readonly cfg: WebClientConfig) {}

  /** Where a loopback client must live: atproto requires 127.0.0.1, not `localhost`, in redirects. */
  static loopbackRedirect(): string | undefined {
    return location.hostname === 'localhost' ? location.href.replace('//localhost', '//127.0.0.1') : undefined
  }

  client(): Promise<BrowserOAuthClient> {
    // Loaded on first use: the directory and community pages work without it.
    this.#client ??= import('@atproto/oauth-client-browser').then(({ BrowserOAuthClient, TokenRefreshError, TokenRevokedError, TokenInvalidError }) => {
      this.#ended = (e) => e instanceof TokenRefreshError || e instanceof TokenRevokedError || e instanceof TokenInvalidError
      const common = {
        handleResolver: this.cfg.handleResolverUrl,
        plcDirectoryUrl: this.cfg.plcUrl,
        responseMode: 'fragment' as const,
        // The library also reports "deletions" of sessions that never existed here: completing a
        // sign-in first revokes any earlier session of that DID, and finding none counts as deleted.
        onDelete: (sub: string) => {
          if (this.#signingOut || sub !== this.#current) return
          this.#current = undefined
          this.onSessionEnded?.()
        },
      }
      if (isLoopbackHost(location.host)) {
        const redirect = `${location.protocol}//${location.host}/`
        const clientId = `http://localhost?${new URLSearchParams({ redirect_uri: redirect, scope: this.cfg.scope })}`
        return new BrowserOAuthClient({
          ...common,
          // The PDS a developer runs locally (npm run demo) speaks plain http.
          allowHttp: true,
          clientMetadata: {
            client_id: clientId,
            redirect_uris: [redirect as `http://127.0.0.1:${string}`],
            scope: this.cfg.scope,
            response_types: ['code'],
            grant_types: ['authorization_code', 'refresh_token'],
            token_endpoint_auth_method: 'none',
            application_type: 'native',
            dpop_bound_access_tokens: true,
          },
        })
      }
      return BrowserOAuthClient.load({ ...common, clientId: `https://${this.cfg.hostname}/client-metadata.json` })
    })
    return this.#client
  }

  /** The session restored from this browser, or just completed by the OAuth redirect back here. */
  async init(): Promise<Account | undefined> {
    const result = await (await this.client()).init()
    return result ? this.#accountOf(result.session) : undefined
  }

  /** Leaves for the user's PDS sign-in page; resolves only if that cannot start. */
  async signIn(handle: string): Promise<void> {
    const client = await this.client()
    await client.signInRedirect(handle.trim().replace(/^@/, ''), { scope: this.cfg.scope })
  }

  #accountOf(session: OAuthSession): Account {
    this.#current = session.did
    const fetch = async (path: string, init?: RequestInit) => {
      try {
        return await session.fetchHandler(path, init)
      } catch (e) {
        throw this.#ended?.(e) ? new SessionEndedError(String(e)) : e
      }
    }
    return { did: session.did, fetch }
  }

  async signOut(did: string): Promise<void> {
    this.#signingOut = true
    this.#current = undefined
    try {
      await (await this.client()).revoke(did)
    } finally {
      this.#signingOut = false
    }
  }
}


