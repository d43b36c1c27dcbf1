import { useEffect, useState } from 'preact/hooks'
import { useLocation } from 'preact-iso'
import { RETURN_TO, useApp } from '../lib/app-context.js'
import { messageOf } from '../lib/xrpc.js'
import { isOwnPath } from '../lib/routes.js'

/** Asks for a handle, then hands over to the user's own PDS: we never see a password. */
export function SignIn() {
  const { auth, account } = useApp()
  const { query } = useLocation()
  const [handle, setHandle] = useState('')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  // Back from the PDS's page by the browser's back button: the page comes from cache, still busy.
  useEffect(() => {
    const reset = (e: PageTransitionEvent) => void (e.persisted && setBusy(false))
    addEventListener('pageshow', reset)
    return () => removeEventListener('pageshow', reset)
  }, [])
  if (account) {
    return <section><h1>Signed in</h1><p>You are signed in as @{account.handle ?? account.did}. <a href="/">Find communities</a></p></section>
  }
  const submit = async (e: Event) => {
    e.preventDefault()
    if (handle.trim() === '') return setError('Enter your handle, for example alice.bsky.social')
    setBusy(true)
    setError(undefined)
    sessionStorage.setItem(RETURN_TO, isOwnPath(query.back ?? '') ? query.back! : '/')
    try {
      await auth.signIn(handle)
    } catch (err) {
      setError(`Could not start sign-in: ${messageOf(err)}`)
      setBusy(false)
    }
  }
  return (
    <section class="narrow">
      <h1>Sign in with Bluesky</h1>
      <p>You sign in on your own Bluesky server (PDS); Atrarium never sees your password. Everything you do here is written to your own repository.</p>
      <form onSubmit={submit} noValidate>
        <div class="field">
          <label for="handle">Handle</label>
          <input id="handle" name="handle" autocomplete="username" placeholder="alice.bsky.social" value={handle}
            onInput={(e) => setHandle(e.currentTarget.value)} aria-invalid={error ? 'true' : undefined} aria-describedby={error ? 'handle-error' : undefined} />
          {error && <p id="handle-error" role="alert" class="field-error">{error}</p>}
        </div>
        <button type="submit" disabled={busy}>{busy ? 'Opening your server…' : 'Continue'}</button>
      </form>
    </section>
  )
}
