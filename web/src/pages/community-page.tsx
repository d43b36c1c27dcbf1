import { useEffect, useState } from 'preact/hooks'
import { useLocation } from 'preact-iso'
import { hashtagOf } from '../../../src/core/community-id.js'
import { PIN_REASON } from '../../../src/core/pinned-posts.js'
import { Composer } from '../components/composer.js'
import { Handle } from '../components/handle.js'
import { OwnerTools } from '../components/owner-tools.js'
import { PostList } from '../components/post-list.js'
import { api, type CommunityView } from '../lib/api.js'
import { useApp } from '../lib/app-context.js'
import { hydratePosts, type ShownPost } from '../lib/hydrate.js'
import { myMemberships } from '../lib/pds.js'
import { until } from '../lib/poll.js'
import { communityPath, configUriFrom, feedUriOf, shortCommunityPath } from '../lib/routes.js'
import { useAsync } from '../lib/use-async.js'
import { messageOf, XrpcError } from '../lib/xrpc.js'

export function CommunityByConfig({ did, rkey }: { did: string; rkey: string }) {
  const uri = configUriFrom(did, rkey)
  // Keyed: another community is a new page, with none of this one's state (composer text, feed form).
  return <CommunityPage key={uri} uri={uri} />
}

/** `/c/<owner>/<id>`: the owner (handle or DID) and the id, as a feed URI names them. */
export function CommunityByOwnerId({ owner, id }: { owner: string; id: string }) {
  const { ids } = useApp()
  const found = useAsync(async () => {
    const did = await ids.resolve(owner)
    for (let cursor: string | undefined, i = 0; i < 20; i++) {
      const page = await api.listCommunities({ owner: did, limit: 100, ...(cursor ? { cursor } : {}) })
      const hit = page.communities.find((c) => c.id === id)
      if (hit) return hit.uri
      if (!(cursor = page.cursor)) break
    }
    throw new Error(`@${owner} has no community with id ${id}`)
  }, [owner, id])
  if (found.error) return <p role="alert" class="error">{found.error}</p>
  return found.value ? <CommunityPage key={found.value} uri={found.value} /> : <p aria-busy="true">Loading…</p>
}

/** A community's name, linked to its page. */
function CommunityLink({ uri }: { uri: string }) {
  const name = useAsync(async () => (await api.getCommunity(uri)).config.name, [uri])
  return <a href={communityPath(uri)}>{name.value ?? 'parent community'}</a>
}

/** Waits for a community the index has not seen yet (just created, or the stream is behind). */
async function loadCommunity(uri: string): Promise<CommunityView> {
  let last: unknown
  const ok = await until(async () => {
    try {
      return (last = await api.getCommunity(uri)), true
    } catch (e) {
      last = e
      if (e instanceof XrpcError && e.error === 'UnknownCommunity') return false
      throw e
    }
  }, 15)
  if (ok) return last as CommunityView
  throw last instanceof Error ? last : new Error(String(last))
}

/** Under approval (SPEC §9): whether the signed-in member is still waiting, from the first page of those who are. */
function Approval({ uri, did }: { uri: string; did: string }) {
  const waiting = useAsync(async () => (await api.getMembers(uri, undefined, 'pending')).members.some((m) => m.did === did), [uri, did])
  if (waiting.value === undefined) return null
  return (
    <p class="muted" role="status">
      {waiting.value
        ? 'Waiting for a moderator to approve you: your posts are kept and show here once you are approved.'
        : 'This community approves each member: your posts show here while your approval is in force.'}
    </p>
  )
}

export function CommunityPage({ uri }: { uri: string }) {
  const { cfg, ids, account } = useApp()
  const { route } = useLocation()
  const info = useAsync(() => loadCommunity(uri), [uri])
  const c = info.value
  const feedUri = c && feedUriOf(c.owner, c.id)
  const posts = useAsync<(ShownPost & { pinned: boolean })[]>(async () => {
    if (!feedUri) return []
    const { feed } = await api.getFeedSkeleton(feedUri)
    // The feed's own pins (SPEC §10) come first, marked as Bluesky marks them.
    const pinned = new Set(feed.filter((f) => f.reason?.$type === PIN_REASON.$type).map((f) => f.post))
    return (await hydratePosts(cfg, ids, feed.map((f) => f.post))).map((p) => ({ ...p, pinned: pinned.has(p.uri) }))
  }, [feedUri])
  const [mine, setMine] = useState<string[]>()
  const [busy, setBusy] = useState<string>()
  const [error, setError] = useState<string>()
  const [copied, setCopied] = useState<string>()

  useEffect(() => {
    let current = true
    setMine(undefined)
    if (account && c) myMemberships(account, c.uri).then((m) => current && setMine(m), (e) => current && setError(messageOf(e)))
    return () => void (current = false)
  }, [account?.did, c?.uri])

  if (info.error) return <section><h1>Community</h1><p role="alert" class="error">{info.error}</p></section>
  if (!c) return <p aria-busy="true">Loading community… (a new community appears once the index has seen it)</p>

  const act = async (label: string, work: () => Promise<void>) => {
    setBusy(label)
    setError(undefined)
    try {
      await work()
    } catch (e) {
      setError(messageOf(e))
    } finally {
      setBusy(undefined)
    }
  }
  // The record builders validate with the lexicon library: loaded when first needed.
  const membership = () => import('../lib/membership.js')
  const onJoin = () => act('Joining…', async () => setMine([await (await membership()).join(account!, c.uri, c.owner, c.config)]))
  const onLeave = () => act('Leaving…', async () => { await (await membership()).leave(account!, mine ?? []); setMine([]) })
  // A write lands in the user's PDS; the feed shows it once the stream has brought it to the index.
  const awaitFeed = async (shows: (item: { post: string; reason?: { $type: string } }) => boolean, late: string) => {
    const seen = await until(async () => (await api.getFeedSkeleton(feedUri!)).feed.some(shows), 30)
    posts.reload()
    if (!seen) setError(`${late}, but the index has not shown it yet (is the feed generator following the stream?).`)
  }
  // Pins live in the owner's config record (SPEC §10).
  const onPin = (postUri: string, pin: boolean) => act(pin ? 'Pinning…' : 'Unpinning…', async () => {
    await (await import('../lib/pins.js')).setPinned(account!, c.uri, postUri, pin)
    await awaitFeed((f) => f.post === postUri && (f.reason?.$type === PIN_REASON.$type) === pin, 'The change is in your repository')
  })
  const onPosted = (postUri: string) => act('Waiting for the index…', () => awaitFeed((f) => f.post === postUri, 'Your post is on your PDS'))

  const tag = hashtagOf(c.id)
  const isMember = (mine?.length ?? 0) > 0
  const canModerate = account && (account.did === c.owner || c.moderators.includes(account.did))
  const gated = c.config.membership === 'approval'
  // The clipboard API needs a secure page (https or loopback); elsewhere, say so.
  const copy = () => {
    const failed = () => setCopied('Copy it by hand: this page cannot use the clipboard.')
    if (!navigator.clipboard) return failed()
    navigator.clipboard.writeText(tag).then(() => setCopied('Copied'), failed)
  }
  const bskyFeed = `${cfg.bskyAppUrl}/profile/${c.owner}/feed/${c.id}`

  return (
    <article class="community">
      <div class="page-head">
        <h1>{c.config.name}</h1>
        <span class={`stage stage-${c.stage}`}>{c.stage}</span>
      </div>
      {c.config.description && <p class="lede">{c.config.description}</p>}
      <dl class="facts">
        <dt>Owner</dt><dd><Handle did={c.owner} /></dd>
        <dt>Members</dt><dd data-testid="member-count">{c.counts.members}</dd>
        <dt>Joining</dt><dd>{gated ? `by approval (${c.counts.pendingMembers ?? 0} waiting)` : 'open to anyone'}</dd>
        <dt>Hashtag</dt>
        <dd><code>{tag}</code> <button type="button" class="small" aria-label={`Copy the hashtag ${tag}`} onClick={copy}>Copy</button> <span role="status">{copied ?? ''}</span></dd>
        {c.parent && <><dt>Part of</dt><dd><CommunityLink uri={c.parent} /></dd></>}
        <dt>Feed</dt><dd><a href={bskyFeed} rel="noopener">Open the feed in Bluesky</a></dd>
        <dt>Link</dt><dd><a href={shortCommunityPath(c.owner, c.id)}>{location.host}{shortCommunityPath(c.owner, c.id)}</a></dd>
      </dl>
      {c.children.length > 0 && (
        <section>
          <h2>Sub-communities</h2>
          <ul>{c.children.map((ch) => <li key={ch.uri}><a href={communityPath(ch.uri)}>{ch.name}</a></li>)}</ul>
        </section>
      )}

      <section class="actions" aria-label="Your membership">
        {!account ? (
          <p><a href={`/sign-in?back=${encodeURIComponent(location.pathname)}`}>Sign in</a> to join and post.</p>
        ) : mine === undefined ? (
          <p aria-busy="true">Checking your membership…</p>
        ) : isMember ? (
          <button type="button" onClick={onLeave} disabled={!!busy}>Leave</button>
        ) : (
          <button type="button" onClick={onJoin} disabled={!!busy}>{gated && !canModerate ? 'Ask to join' : 'Join'}</button>
        )}
        {canModerate && <a class="button secondary" href={communityPath(c.uri, '/moderate')}>Moderate</a>}
        <span aria-live="polite">{busy ?? ''}</span>
      </section>
      {error && <p role="alert" class="error">{error}</p>}
      {account && account.did === c.owner && <OwnerTools community={c} onDeleted={() => route('/')} />}
      {account && isMember && gated && !canModerate && <Approval uri={c.uri} did={account.did} />}
      {account && isMember && <Composer id={c.id} onPosted={onPosted} />}
      {account && !isMember && mine !== undefined && <p class="muted">Join to post here: posts of members only are shown.</p>}

      <section aria-labelledby="posts-title">
        <div class="page-head"><h2 id="posts-title">Recent posts</h2><button type="button" class="small" onClick={posts.reload}>Refresh</button></div>
        {posts.error && <p role="alert" class="error">{posts.error}</p>}
        {posts.loading && !posts.value ? <p aria-busy="true">Loading posts…</p> : <PostList posts={posts.value ?? []} empty="No posts yet." extra={(p) => <PinControls post={p} owner={account?.did === c.owner} staff={[c.owner, ...c.moderators]} busy={!!busy} onPin={onPin} />} />}
      </section>
    </article>
  )
}

/** The Pinned mark, and for the owner a Pin or Unpin button on posts by the owner or a moderator (only those are shown pinned). */
function PinControls({ post, owner, staff, busy, onPin }: { post: ShownPost & { pinned?: boolean }; owner: boolean; staff: string[]; busy: boolean; onPin: (uri: string, pin: boolean) => void }) {
  const canPin = owner && staff.includes(post.author)
  if (!post.pinned && !canPin) return null
  return (
    <div class="post-actions">
      {post.pinned && <span class="status">Pinned</span>}
      {canPin && (
        <button type="button" class="small secondary" disabled={busy} onClick={() => onPin(post.uri, !post.pinned)}>
          {post.pinned ? 'Unpin' : 'Pin to the top'}
        </button>
      )}
    </div>
  )
}
