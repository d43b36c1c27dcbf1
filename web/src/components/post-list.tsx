import type { ComponentChildren } from 'preact'
import type { ShownPost } from '../lib/hydrate.js'

const when = (iso?: string) => {
  if (!iso) return ''
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString()
}

/** Posts with their text, author and time; `extra` adds a post's own controls (moderation). */
export function PostList({ posts, empty, extra }: { posts: ShownPost[]; empty: string; extra?: (p: ShownPost) => ComponentChildren }) {
  if (posts.length === 0) return <p class="muted">{empty}</p>
  return (
    <ol class="posts">
      {posts.map((p) => (
        <li key={p.uri} class="post" data-uri={p.uri}>
          <div class="post-head">
            <span class="handle" title={p.author}>{p.handle ? `@${p.handle}` : p.author}</span>
            {p.createdAt && <time dateTime={p.createdAt}>{when(p.createdAt)}</time>}
          </div>
          {p.missing ? <p class="muted">({p.missing})</p> : <p class="post-text">{p.text}</p>}
          {extra?.(p)}
        </li>
      ))}
    </ol>
  )
}
