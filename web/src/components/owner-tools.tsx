import { useEffect, useState } from 'preact/hooks'
import { NSID } from '../../../src/core/nsid.js'
import type { CommunityView } from '../lib/api.js'
import { useApp } from '../lib/app-context.js'
import { feedDescription, publishedFeed, publishFeed, unpublishFeed } from '../lib/feed-record.js'
import { pds, rkeyOf } from '../lib/pds.js'
import { communityPath } from '../lib/routes.js'
import { messageOf } from '../lib/xrpc.js'

const firstGraphemes = (s: string, n: number) =>
  [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(s)].slice(0, n).map((g) => g.segment).join('')

/** The owner's controls: edit, publish or unpublish the Bluesky feed, delete. */
export function OwnerTools({ community: c, onDeleted }: { community: CommunityView; onDeleted: () => void }) {
  const { account, cfg } = useApp()
  const [published, setPublished] = useState<boolean>()
  const [displayName, setDisplayName] = useState(() => firstGraphemes(c.config.name, 24))
  const [description, setDescription] = useState(() => feedDescription(c))
  const [busy, setBusy] = useState<string>()
  const [error, setError] = useState<string>()
  const [done, setDone] = useState<string>()

  useEffect(() => {
    if (account) publishedFeed(account, c.id).then((r) => setPublished(r !== undefined), (e) => setError(messageOf(e)))
  }, [account?.did, c.id])
  if (!account) return null

  const act = async (label: string, work: () => Promise<string>) => {
    setBusy(label)
    setError(undefined)
    setDone(undefined)
    try {
      setDone(await work())
    } catch (e) {
      setError(messageOf(e))
    } finally {
      setBusy(undefined)
    }
  }
  const publish = (e: Event) => {
    e.preventDefault()
    void act('Publishing…', async () => {
      await publishFeed(account, c, cfg, displayName, description)
      setPublished(true)
      return 'The feed is published: Bluesky users can find and pin it.'
    })
  }
  const unpublish = () => act('Unpublishing…', async () => {
    await unpublishFeed(account, c.id)
    setPublished(false)
    return 'The feed record is deleted; the community stays.'
  })
  const remove = () => {
    if (!confirm(`Delete “${c.config.name}”? Its feed stops working and its posts leave the index. Members' own records stay in their repos.`)) return
    void act('Deleting…', async () => {
      // Whatever the page believes: a feed record left behind would point at nothing.
      await unpublishFeed(account, c.id)
      await pds.deleteRecord(account, NSID.config, rkeyOf(c.uri))
      onDeleted()
      return 'Deleted.'
    })
  }

  return (
    <section class="panel" aria-labelledby="owner-title">
      <h2 id="owner-title">Owner</h2>
      <p><a class="button secondary" href={communityPath(c.uri, '/edit')}>Edit community</a></p>
      <form onSubmit={publish} noValidate>
        <h3>Bluesky feed {published === undefined ? '' : published ? '(published)' : '(not published)'}</h3>
        <div class="field">
          <label for="feed-name">Feed name</label>
          <input id="feed-name" value={displayName} onInput={(e) => setDisplayName(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="feed-description">Feed description</label>
          <textarea id="feed-description" rows={3} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
          <p class="hint">Served by {cfg.serviceDid}. Keep the link so readers can find the community page.</p>
          <p class="hint">The published feed accepts <em>Show less like this</em>: a reader who chooses it in their Bluesky app stops getting that author's posts here, for a week.</p>
        </div>
        <div class="row">
          <button type="submit" disabled={!!busy}>{published ? 'Update feed' : 'Publish feed'}</button>
          {published && <button type="button" class="secondary" onClick={() => void unpublish()} disabled={!!busy}>Unpublish feed</button>}
          <button type="button" class="danger" onClick={remove} disabled={!!busy}>Delete community</button>
        </div>
      </form>
      <p aria-live="polite">{busy ?? ''}</p>
      {done && <p role="status" class="ok">{done}</p>}
      {error && <p role="alert" class="error">{error}</p>}
    </section>
  )
}
