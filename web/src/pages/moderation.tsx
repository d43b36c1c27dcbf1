import { useState } from 'preact/hooks'
import { NSID } from '../../../src/core/nsid.js'
import type { ActionKind } from '../../../src/core/records.js'
import { buildActionRecord, checkReason } from '../../../src/records/action-record.js'
import { nextTid } from '../../../src/records/tid.js'
import { Handle } from '../components/handle.js'
import { PostList } from '../components/post-list.js'
import { api, type ActionView, type MemberView, type PostView } from '../lib/api.js'
import { useApp } from '../lib/app-context.js'
import { hydratePosts, type ShownPost } from '../lib/hydrate.js'
import { pds } from '../lib/pds.js'
import { until } from '../lib/poll.js'
import { communityPath, configUriFrom } from '../lib/routes.js'
import { useAsync } from '../lib/use-async.js'
import { messageOf } from '../lib/xrpc.js'

interface Data {
  name: string
  memberCount: number
  posts: (ShownPost & { status: PostView['status'] })[]
  postsCursor?: string
  members: MemberView[]
  membersCursor?: string
  /** Under approval (SPEC §9): who is waiting, first page. */
  pending?: MemberView[]
  actions: ActionView[]
}

/** What an action changes, without the posts' text: cheap enough to ask again while the index catches up. */
interface Standing {
  posts: PostView[]
  actions: ActionView[]
}

// Blocks are read off the history, so it is read whole, up to this many pages of 100.
const MAX_ACTION_PAGES = 10

async function allActions(uri: string): Promise<ActionView[]> {
  const out: ActionView[] = []
  for (let cursor: string | undefined, i = 0; i < MAX_ACTION_PAGES; i++) {
    const page = await api.getActions(uri, cursor)
    out.push(...page.actions)
    if (!(cursor = page.cursor)) break
  }
  return out
}

const STATUS_LABEL = { visible: 'visible', hidden: 'hidden', authorBlocked: 'author blocked', authorNotMember: 'author not a member' } as const
const ACTION_LABEL: Record<ActionKind, string> = {
  hide_post: 'hide post', unhide_post: 'unhide post', block_user: 'block user', unblock_user: 'unblock user',
  approve_member: 'approve member', reject_member: 'reject member',
}
const ACTION_STATUS = { inForce: 'in force', withdrawn: 'withdrawn', unauthorized: 'not authorized' } as const

/**
 * The moderator view: every indexed post with its status (getPosts, which needs a service JWT the
 * moderator's own PDS mints for this service), members, and the action history.
 */
export function Moderation({ did, rkey }: { did: string; rkey: string }) {
  const { account, cfg, ids } = useApp()
  const uri = configUriFrom(did, rkey)
  const [reason, setReason] = useState('')
  const [reasonError, setReasonError] = useState<string>()
  const [busy, setBusy] = useState<string>()
  const [error, setError] = useState<string>()

  // A service JWT lives a minute; each is asked for when needed, from the moderator's own PDS.
  const token = () => pds.getServiceAuth(account!, cfg.serviceDid, NSID.getPosts)
  const hydrate = async (posts: PostView[]) =>
    (await hydratePosts(cfg, ids, posts.map((p) => p.uri))).map((s, i) => ({ ...s, status: posts[i]!.status }))

  const load = async (): Promise<Data> => {
    if (!account) throw new Error('Sign in to moderate.')
    const [community, jwt] = await Promise.all([api.getCommunity(uri), token()])
    const gated = community.config.membership === 'approval'
    const [posts, members, actions, pending] = await Promise.all([
      api.getPosts(uri, jwt), api.getMembers(uri), allActions(uri), gated ? api.getMembers(uri, undefined, 'pending') : undefined,
    ])
    return {
      name: community.config.name, memberCount: community.counts.members,
      ...(pending ? { pending: pending.members } : {}),
      posts: await hydrate(posts.posts), ...(posts.cursor ? { postsCursor: posts.cursor } : {}),
      members: members.members, ...(members.cursor ? { membersCursor: members.cursor } : {}),
      actions,
    }
  }
  const data = useAsync(load, [uri, account?.did])

  if (!account) return <section><h1>Moderate</h1><p><a href={`/sign-in?back=${encodeURIComponent(location.pathname)}`}>Sign in</a> to moderate.</p></section>

  const moderate = async (action: ActionKind, target: string, expect: (d: Standing) => boolean) => {
    const why = reason.trim()
    const safe = checkReason(why || undefined)
    if (!safe.ok) return setReasonError(safe.error) // SPEC §8: checked before anything is written
    setReasonError(undefined)
    setError(undefined)
    const record = buildActionRecord({ action, target, community: uri, createdAt: new Date().toISOString(), ...(why ? { reason: why } : {}) })
    if (!record.ok) return setError(record.error)
    setBusy(`${ACTION_LABEL[action]}…`)
    try {
      await pds.putRecord(account, NSID.action, nextTid(), record.value)
      setReason('')
      // The action is in the moderator's repo at once; the index sees it a moment later.
      const jwt = await token()
      const seen = await until(async () => expect({ posts: (await api.getPosts(uri, jwt)).posts, actions: await allActions(uri) }), 20)
      if (!seen) setError('The action is in your repository, but the index has not applied it yet (is the feed generator following the stream?).')
      data.reload()
    } catch (e) {
      setError(messageOf(e))
    } finally {
      setBusy(undefined)
    }
  }
  const more = async (kind: 'posts' | 'members') => {
    const d = data.value
    if (!d) return
    setBusy('Loading more…')
    try {
      if (kind === 'posts' && d.postsCursor) {
        const page = await api.getPosts(uri, await token(), d.postsCursor)
        const { postsCursor: _, ...rest } = d
        data.set({ ...rest, posts: [...d.posts, ...(await hydrate(page.posts))], ...(page.cursor ? { postsCursor: page.cursor } : {}) })
      } else if (kind === 'members' && d.membersCursor) {
        const page = await api.getMembers(uri, d.membersCursor)
        const { membersCursor: _, ...rest } = d
        data.set({ ...rest, members: [...d.members, ...page.members], ...(page.cursor ? { membersCursor: page.cursor } : {}) })
      }
    } catch (e) {
      setError(messageOf(e))
    } finally {
      setBusy(undefined)
    }
  }
  const statusOf = (d: Standing, postUri: string) => d.posts.find((p) => p.uri === postUri)?.status
  // A post's own hide outranks its author's block in its status, so blocks are read off the actions.
  const isBlocked = (d: { actions: ActionView[] }, did: string) => d.actions.some((a) => a.target === did && a.action === 'block_user' && a.status === 'inForce')
  const decided = (d: { actions: ActionView[] }, did: string, action: ActionKind) => d.actions.some((a) => a.target === did && a.action === action && a.status === 'inForce')

  return (
    <section>
      <p><a href={communityPath(uri)}>← Back to the community</a></p>
      <h1>Moderate{data.value ? `: ${data.value.name}` : ''}</h1>
      <div class="field">
        <label for="reason">Reason for the next action (optional, public)</label>
        <input id="reason" value={reason} maxLength={3000} onInput={(e) => setReason(e.currentTarget.value)}
          aria-invalid={reasonError ? 'true' : undefined} aria-describedby={reasonError ? 'reason-error' : 'reason-hint'} />
        <p id="reason-hint" class="hint">Moderation actions are public records: no e-mail addresses or phone numbers.</p>
        {reasonError && <p id="reason-error" role="alert" class="field-error">{reasonError}</p>}
      </div>
      <p aria-live="polite">{busy ?? ''}</p>
      {error && <p role="alert" class="error">{error}</p>}
      {data.error && <p role="alert" class="error">{data.error}</p>}
      {data.loading && !data.value && <p aria-busy="true">Loading the moderator view…</p>}
      {data.value && (
        <>
          <section aria-labelledby="mod-posts">
            <h2 id="mod-posts">Posts</h2>
            <PostList posts={data.value.posts} empty="No posts indexed." extra={(p) => {
              const status = (p as Data['posts'][number]).status
              const blocked = isBlocked(data.value!, p.author)
              const who = p.handle ? `@${p.handle}` : p.author
              return (
                <div class="row">
                  <span class={`status status-${status}`}>{STATUS_LABEL[status]}</span>
                  {status === 'hidden'
                    ? <button type="button" class="small" disabled={!!busy} aria-label={`Unhide this post by ${who}`} onClick={() => void moderate('unhide_post', p.uri, (d) => statusOf(d, p.uri) !== 'hidden')}>Unhide</button>
                    : <button type="button" class="small" disabled={!!busy} aria-label={`Hide this post by ${who}`} onClick={() => void moderate('hide_post', p.uri, (d) => statusOf(d, p.uri) === 'hidden')}>Hide</button>}
                  {blocked
                    ? <button type="button" class="small" disabled={!!busy} aria-label={`Unblock ${who}`} onClick={() => void moderate('unblock_user', p.author, (d) => !isBlocked(d, p.author))}>Unblock author</button>
                    : <button type="button" class="small danger" disabled={!!busy} aria-label={`Block ${who}`} onClick={() => void moderate('block_user', p.author, (d) => isBlocked(d, p.author))}>Block author</button>}
                </div>
              )
            }} />
            {data.value.postsCursor && <button type="button" class="secondary" disabled={!!busy} onClick={() => void more('posts')}>More posts</button>}
          </section>
          {data.value.pending && (
            <section aria-labelledby="mod-pending">
              <h2 id="mod-pending">Waiting for approval ({data.value.pending.length}{data.value.pending.length === 100 ? '+' : ''})</h2>
              {data.value.pending.length === 0 ? <p class="muted">No one is waiting.</p> : (
                <ul class="plain">{data.value.pending.map((m) => (
                  <li key={m.did} class="row">
                    <Handle did={m.did} />
                    {m.joinedAt && <span class="muted">asked {new Date(m.joinedAt).toLocaleDateString()}</span>}
                    <button type="button" class="small" disabled={!!busy} aria-label={`Approve ${m.did}`} onClick={() => void moderate('approve_member', m.did, (d) => decided(d, m.did, 'approve_member'))}>Approve</button>
                    <button type="button" class="small danger" disabled={!!busy} aria-label={`Reject ${m.did}`} onClick={() => void moderate('reject_member', m.did, (d) => decided(d, m.did, 'reject_member'))}>Reject</button>
                  </li>
                ))}</ul>
              )}
            </section>
          )}
          <section aria-labelledby="mod-members">
            <h2 id="mod-members">Members ({data.value.memberCount})</h2>
            <ul class="plain">{data.value.members.map((m) => <li key={m.did}><Handle did={m.did} /> <span class="muted">{m.role}</span></li>)}</ul>
            {data.value.membersCursor && <button type="button" class="secondary" disabled={!!busy} onClick={() => void more('members')}>More members</button>}
          </section>
          <section aria-labelledby="mod-actions">
            <h2 id="mod-actions">Action history</h2>
            {data.value.actions.length === 0 ? <p class="muted">No actions yet.</p> : (
              <table>
                <thead><tr><th>When</th><th>By</th><th>Action</th><th>Target</th><th>Reason</th><th>Status</th></tr></thead>
                <tbody>
                  {data.value.actions.map((a) => (
                    <tr key={a.uri}>
                      <td>{new Date(a.createdAt).toLocaleString()}</td>
                      <td><Handle did={a.actor} /></td>
                      <td>{ACTION_LABEL[a.action as ActionKind] ?? a.action}</td>
                      <td class="break">{a.target.startsWith('did:') ? <Handle did={a.target} /> : a.target}</td>
                      <td>{a.reason ?? ''}</td>
                      <td><span class={`status status-${a.status}`}>{ACTION_STATUS[a.status]}</span></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}
    </section>
  )
}
