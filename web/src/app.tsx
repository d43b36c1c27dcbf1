import { useEffect, useMemo, useState } from 'preact/hooks'
import { ErrorBoundary, LocationProvider, Route, Router, useLocation } from 'preact-iso'
import { Header } from './components/header.js'
import { lazyPage } from './components/lazy-page.js'
import { AppContext, RETURN_TO, type AppState } from './lib/app-context.js'
import { loadAppConfig, type WebClientConfig } from './lib/config.js'
import { IdentityResolver } from './lib/identity.js'
import type { Account } from './lib/pds.js'
import { Auth } from './lib/session.js'
import { isOwnPath } from './lib/routes.js'
import { messageOf } from './lib/xrpc.js'
import { CommunityByConfig, CommunityByOwnerId } from './pages/community-page.js'
import { Directory } from './pages/directory.js'
import { SignIn } from './pages/sign-in.js'

// Pages only signed-in owners and moderators use load on demand, with the OAuth client.
const CommunityForm = lazyPage(() => import('./pages/community-form.js').then((m) => m.CommunityForm))
// Keyed by path: leaving one form for another (edit → new) starts from a clean form.
const NewCommunity = () => <CommunityForm key="new" />
const EditCommunity = ({ did, rkey }: { did: string; rkey: string }) => <CommunityForm key={`${did}/${rkey}`} did={did} rkey={rkey} />
const Moderation = lazyPage(() => import('./pages/moderation.js').then((m) => m.Moderation))

const SIGNED_IN = 'atrarium:signed-in'


/** An OAuth redirect back to us carries its answer in the fragment (responseMode "fragment"). */
const isOAuthCallback = () => /[#&](state|code|error)=/.test(location.hash)

export function App() {
  const [cfg, setCfg] = useState<WebClientConfig>()
  const [failure, setFailure] = useState<string>()
  useEffect(() => {
    loadAppConfig().then(setCfg, (e) => setFailure(messageOf(e)))
  }, [])
  if (failure) return <main class="page"><p role="alert" class="error">{failure}</p></main>
  if (!cfg) return <main class="page"><p aria-busy="true">Loading…</p></main>
  return <Signed cfg={cfg} />
}

function Signed({ cfg }: { cfg: WebClientConfig }) {
  const auth = useMemo(() => new Auth(cfg), [cfg])
  const ids = useMemo(() => new IdentityResolver(cfg), [cfg])
  const [account, setAccount] = useState<Account>()
  const [authError, setAuthError] = useState<string>()
  const [restoring, setRestoring] = useState(() => isOAuthCallback() || localStorage.getItem(SIGNED_IN) !== null)
  const [returnTo, setReturnTo] = useState<string>()

  // A session can end elsewhere: revoked, expired, or signed out in another tab.
  useEffect(() => {
    auth.onSessionEnded = () => {
      localStorage.removeItem(SIGNED_IN)
      setAccount(undefined)
      setAuthError('Your Bluesky session has ended: sign in again.')
    }
  }, [auth])

  useEffect(() => {
    if (!restoring) return
    const callback = isOAuthCallback()
    auth.init().then(
      async (acct) => {
        if (acct) {
          localStorage.setItem(SIGNED_IN, acct.did)
          setAccount({ ...acct, ...(await ids.handleOf(acct.did).then((h) => (h ? { handle: h } : {}))) })
          const back = sessionStorage.getItem(RETURN_TO)
          sessionStorage.removeItem(RETURN_TO)
          if (callback && back && isOwnPath(back)) setReturnTo(back)
        } else localStorage.removeItem(SIGNED_IN)
      },
      (e) => {
        localStorage.removeItem(SIGNED_IN)
        setAuthError(`Sign-in did not complete: ${messageOf(e)}`)
      },
    ).finally(() => setRestoring(false))
  }, [])

  const state: AppState = {
    cfg, ids, auth, ...(account ? { account } : {}),
    async signOut() {
      const did = account?.did
      setAccount(undefined)
      localStorage.removeItem(SIGNED_IN)
      if (did) await auth.signOut(did).catch(() => {})
    },
  }
  return (
    <AppContext.Provider value={state}>
      <LocationProvider>
        <Header restoring={restoring} />
        {returnTo && <GoTo path={returnTo} done={() => setReturnTo(undefined)} />}
        {authError && <p role="alert" class="error banner">{authError}</p>}
        <main class="page" tabIndex={-1}>
          {restoring && isOAuthCallback()
            ? <p aria-busy="true">Finishing sign-in…</p>
            : (
              <ErrorBoundary>
                <Router onRouteChange={onRouteChange}>
                  <Route path="/" component={Directory} />
                  <Route path="/sign-in" component={SignIn} />
                  <Route path="/new" component={NewCommunity} />
                  <Route path="/community/:did/:rkey" component={CommunityByConfig} />
                  <Route path="/community/:did/:rkey/edit" component={EditCommunity} />
                  <Route path="/community/:did/:rkey/moderate" component={Moderation} />
                  <Route path="/c/:owner/:id" component={CommunityByOwnerId} />
                  <Route default component={NotFound} />
                </Router>
              </ErrorBoundary>
            )}
        </main>
      </LocationProvider>
    </AppContext.Provider>
  )
}

/** Navigates inside the router, so the page shown matches the address. */
function GoTo({ path, done }: { path: string; done: () => void }) {
  const { route } = useLocation()
  useEffect(() => {
    route(path, true)
    done()
  }, [path])
  return null
}

/** After a navigation, focus moves to the new page and the title follows it, for screen readers. */
function onRouteChange() {
  requestAnimationFrame(() => {
    const main = document.querySelector<HTMLElement>('main')
    const h1 = main?.querySelector('h1')
    document.title = h1?.textContent ? `${h1.textContent} · Atrarium` : 'Atrarium'
    main?.focus({ preventScroll: true })
  })
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p><a href="/">Back to the directory</a></p>
    </section>
  )
}
