import { useEffect, useRef, useState } from 'preact/hooks'
import { Handle } from '../components/handle.js'
import { api, type CommunitySummary } from '../lib/api.js'
import { useApp } from '../lib/app-context.js'
import { communityPath } from '../lib/routes.js'
import { messageOf } from '../lib/xrpc.js'

/** Every community the index knows, searchable by name; no sign-in needed. */
export function Directory() {
  const { account } = useApp()
  const [q, setQ] = useState('')
  const [items, setItems] = useState<CommunitySummary[]>([])
  const [cursor, setCursor] = useState<string>()
  const [error, setError] = useState<string>()
  const [loading, setLoading] = useState(true)

  // Only the latest request may change the list: a slow answer for "b" must not replace "bird".
  const latest = useRef(0)
  const load = async (query: string, after?: string) => {
    const mine = ++latest.current
    setLoading(true)
    setError(undefined)
    if (!after) setCursor(undefined)
    try {
      const page = await api.listCommunities({ ...(query ? { q: query } : {}), ...(after ? { cursor: after } : {}) })
      if (mine !== latest.current) return
      setItems((prev) => (after ? [...prev, ...page.communities] : page.communities))
      setCursor(page.cursor)
    } catch (e) {
      if (mine === latest.current) setError(messageOf(e))
    } finally {
      if (mine === latest.current) setLoading(false)
    }
  }
  // Searching as one types, a moment after the last key.
  useEffect(() => {
    const t = setTimeout(() => void load(q.trim()), q ? 250 : 0)
    return () => clearTimeout(t)
  }, [q])

  return (
    <section>
      <div class="page-head">
        <h1>Communities</h1>
        {account && <a class="button" href="/new">New community</a>}
      </div>
      <p class="lede">Community feeds on Bluesky. Members post from any Bluesky app with the community's tag; everyone reads the feed.</p>
      <form role="search" onSubmit={(e) => e.preventDefault()}>
        <label for="search">Search communities by name</label>
        <input id="search" type="search" value={q} maxLength={100} placeholder="birds, rust, local news…" onInput={(e) => setQ(e.currentTarget.value)} />
      </form>
      {error && <p role="alert" class="error">{error}</p>}
      <ul class="cards" aria-busy={loading}>
        {items.map((c) => (
          <li key={c.uri} class="card">
            <a href={communityPath(c.uri)} class="card-title">{c.name}</a>
            <span class={`stage stage-${c.stage}`}>{c.stage}</span>
            <span class="muted">by <Handle did={c.owner} /></span>
          </li>
        ))}
      </ul>
      {!loading && items.length === 0 && !error && <p class="muted">{q ? `No community matches “${q}”.` : 'No communities yet.'}</p>}
      {cursor && <button type="button" disabled={loading} onClick={() => void load(q.trim(), cursor)}>More communities</button>}
    </section>
  )
}
