import type { ComponentType } from 'preact'
import { useEffect, useState } from 'preact/hooks'

/**
 * A page loaded on first use. Unlike preact-iso's `lazy`, the page mounts once, after its code
 * has arrived, so nothing typed into it during loading can be lost to a second mount.
 */
export function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | undefined
  return function LazyPage(props: P) {
    const [Page, setPage] = useState(() => loaded)
    const [failed, setFailed] = useState<string>()
    useEffect(() => {
      if (!Page) load().then((c) => setPage(() => (loaded = c)), () => setFailed('This page could not be loaded; check your connection and reload.'))
    }, [])
    if (failed) return <p role="alert" class="error">{failed}</p>
    return Page ? <Page {...props} /> : <p aria-busy="true">Loading…</p>
  }
}
