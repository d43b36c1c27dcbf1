import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { messageOf } from './xrpc.js'

export interface Async<T> {
  value?: T
  error?: string
  loading: boolean
  reload(): void
}

/** Runs `load` when `deps` change; a stale answer (deps changed meanwhile) is dropped. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ value?: T; error?: string; loading: boolean }>({ loading: true })
  const run = useRef(0)
  const start = useCallback(() => {
    const mine = ++run.current
    setState((s) => ({ ...s, loading: true }))
    load().then(
      (value) => mine === run.current && setState({ value, loading: false }),
      (e) => mine === run.current && setState({ error: messageOf(e), loading: false }),
    )
  }, deps)
  useEffect(start, [start])
  return { ...state, reload: start }
}

/** The handle of a DID (verified both ways), else the DID itself. */
export function useHandle(resolve: (did: string) => Promise<string | undefined>, did: string | undefined): string | undefined {
  const [handle, setHandle] = useState<string>()
  useEffect(() => {
    setHandle(undefined)
    if (did) resolve(did).then((h) => setHandle(h), () => {})
  }, [did])
  return handle
}
