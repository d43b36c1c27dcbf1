import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { messageOf } from './xrpc.js'

export interface Async<T> {
  value?: T
  error?: string
  loading: boolean
  reload(): void
  /** Replaces the value in place (a page appended to a list). */
  set(value: T): void
}

/** Runs `load` when `deps` change; a stale answer (deps changed meanwhile) is dropped. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ value?: T; error?: string; loading: boolean }>({ loading: true })
  const run = useRef(0)
  // New inputs show nothing of the old answer; a reload keeps it on screen until the new one arrives.
  const begin = (keep: boolean) => {
    const mine = ++run.current
    setState((s) => (keep ? { ...s, loading: true } : { loading: true }))
    load().then(
      (value) => mine === run.current && setState({ value, loading: false }),
      (e) => mine === run.current && setState({ error: messageOf(e), loading: false }),
    )
  }
  const start = useCallback(() => begin(false), deps)
  const reload = useCallback(() => begin(true), deps)
  useEffect(start, [start])
  const set = useCallback((value: T) => setState({ value, loading: false }), [])
  return { ...state, reload, set }
}

/** The handle of a DID (verified both ways), else the DID itself. */
export function useHandle(resolve: (did: string) => Promise<string | undefined>, did: string | undefined): string | undefined {
  const [handle, setHandle] = useState<string>()
  useEffect(() => {
    let current = true
    setHandle(undefined)
    if (did) resolve(did).then((h) => current && setHandle(h), () => {})
    return () => void (current = false)
  }, [did])
  return handle
}
