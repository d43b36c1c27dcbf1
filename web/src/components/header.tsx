import { useApp } from '../lib/app-context.js'

export function Header({ restoring }: { restoring: boolean }) {
  const { account, signOut } = useApp()
  return (
    <header class="site">
      <a href="/" class="brand">Atrarium</a>
      <nav aria-label="Main">
        <a href="/">Communities</a>
        {account && <a href="/new">New community</a>}
        {account ? (
          <span class="who">
            <span title={account.did}>@{account.handle ?? account.did}</span>
            <button type="button" class="link" onClick={() => void signOut()}>Sign out</button>
          </span>
        ) : restoring ? (
          <span aria-busy="true">Signing in…</span>
        ) : (
          <a href={location.pathname === '/sign-in' ? '/sign-in' : `/sign-in?back=${encodeURIComponent(location.pathname)}`} class="button">Sign in with Bluesky</a>
        )}
      </nav>
    </header>
  )
}
