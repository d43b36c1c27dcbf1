import { useState } from 'preact/hooks'
import { HASHTAG_PREFIX } from '../../../src/core/community-id.js'
import { NSID } from '../../../src/core/nsid.js'
import { buildPost, graphemes, MAX_GRAPHEMES, postText } from '../lib/post-record.js'
import { nextTid } from '../../../src/records/tid.js'
import { useApp } from '../lib/app-context.js'
import { pds } from '../lib/pds.js'
import { messageOf } from '../lib/xrpc.js'

/**
 * Writes an app.bsky.feed.post to the member's own repo. The community rides in `tags`, which
 * Bluesky does not show, so the text stays the member's; the visible hashtag is optional.
 */
export function Composer({ id, onPosted }: { id: string; onPosted: (uri: string) => void }) {
  const { account } = useApp()
  const [text, setText] = useState('')
  const [visibleTag, setVisibleTag] = useState(false)
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const tag = `${HASHTAG_PREFIX}${id}`
  const count = graphemes(postText(text, id, visibleTag))
  const over = count > MAX_GRAPHEMES

  const submit = async (e: Event) => {
    e.preventDefault()
    if (!account) return
    if (text.trim() === '') return setError('Write something first.')
    if (over) return setError(`Bluesky posts are at most ${MAX_GRAPHEMES} characters.`)
    setBusy(true)
    setError(undefined)
    const record = buildPost(text, id, visibleTag, new Date().toISOString())
    try {
      const { uri } = await pds.createRecord(account, NSID.post, record, nextTid())
      setText('')
      onPosted(uri)
    } catch (err) {
      setError(messageOf(err)) // the text stays in the box
    } finally {
      setBusy(false)
    }
  }
  return (
    <form class="composer" onSubmit={submit} noValidate>
      <label for="composer-text">Post to this community</label>
      <textarea id="composer-text" rows={4} value={text} onInput={(e) => setText(e.currentTarget.value)}
        aria-invalid={error || over ? 'true' : undefined} aria-describedby="composer-count composer-error" />
      <div class="composer-row">
        <label class="check"><input type="checkbox" checked={visibleTag} onChange={(e) => setVisibleTag(e.currentTarget.checked)} /> also show #{tag} in the text</label>
        <span id="composer-count" class={over ? 'count over' : 'count'} aria-live={count > MAX_GRAPHEMES - 20 ? 'polite' : 'off'}>{count}/{MAX_GRAPHEMES}</span>
      </div>
      {error && <p id="composer-error" role="alert" class="field-error">{error}</p>}
      <button type="submit" disabled={busy || over}>{busy ? 'Posting…' : 'Post'}</button>
    </form>
  )
}
