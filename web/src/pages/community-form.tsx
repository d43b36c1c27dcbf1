import { useEffect, useState } from 'preact/hooks'
import { useLocation } from 'preact-iso'
import { NSID } from '../../../src/core/nsid.js'
import type { MembershipPolicy, Stage } from '../../../src/core/records.js'
import { isConfigUri } from '../../../src/core/record-validation.js'
import { applyConfigChanges, buildConfigRecord } from '../../../src/records/config-record.js'
import { parseFeedMix } from '../../../src/records/feed-mix.js'
import { nextTid } from '../../../src/records/tid.js'
import { useApp } from '../lib/app-context.js'
import { fieldOf } from '../lib/field-errors.js'
import { pds } from '../lib/pds.js'
import { communityPath, configUriFrom } from '../lib/routes.js'
import { messageOf } from '../lib/xrpc.js'

const FIELDS = ['name', 'description', 'stage', 'parentCommunity', 'feedMix', 'moderators', 'membership', 'pinnedPosts'] as const
type Field = (typeof FIELDS)[number]
type Errors = Partial<Record<Field | 'form', string>>

interface Values {
  name: string
  description: string
  stage: Stage
  parent: string
  own: string
  parentShare: string
  global: string
  moderators: string
  membership: MembershipPolicy
  pins: string
  allowAdult: boolean
}

const EMPTY: Values = { name: '', description: '', stage: 'theme', parent: '', own: '100', parentShare: '0', global: '0', moderators: '', membership: 'open', pins: '', allowAdult: false }

/** A pinned post given as its AT-URI or its bsky.app link (`/profile/<handle or did>/post/<rkey>`). */
async function pinUri(text: string, resolve: (handleOrDid: string) => Promise<string>): Promise<string> {
  const link = /\/profile\/([^/]+)\/post\/([^/?#]+)/.exec(text)
  return link ? `at://${await resolve(decodeURIComponent(link[1]!))}/${NSID.post}/${link[2]}` : text
}

/** A parent given as a community page link or as the config AT-URI. */
function parentUri(text: string): string | undefined {
  const t = text.trim()
  if (t === '') return undefined
  const page = /\/community\/([^/]+)\/([^/?#]+)/.exec(t)
  return page ? configUriFrom(page[1]!, page[2]!) : t
}

/** Create (`/new`) or edit (`/community/:did/:rkey/edit`) a community: the config record in the owner's repo. */
export function CommunityForm({ did, rkey }: { did?: string; rkey?: string }) {
  const { account, ids } = useApp()
  const { route } = useLocation()
  const editing = did !== undefined && rkey !== undefined
  const uri = editing ? configUriFrom(did, rkey) : undefined
  const [values, setValues] = useState<Values>(EMPTY)
  const [current, setCurrent] = useState<Record<string, unknown>>()
  const [errors, setErrors] = useState<Errors>({})
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    if (!editing || !account) return
    if (did !== account.did) return setErrors({ form: 'Only the owner of a community can edit it.' })
    pds.getRecord(account, NSID.config, rkey).then(async (r) => {
      if (!r) return setErrors({ form: 'This community is not in your repository: only its owner can edit it.' })
      setCurrent(r)
      const mix = (r.feedMix ?? { own: 100, parent: 0, global: 0 }) as { own: number; parent: number; global: number }
      const mods = await Promise.all(((r.moderators as string[] | undefined) ?? []).map(async (d) => (await ids.handleOf(d)) ?? d))
      setValues({
        name: String(r.name ?? ''), description: String(r.description ?? ''), stage: (r.stage as Stage) ?? 'theme',
        parent: String(r.parentCommunity ?? ''), own: String(mix.own), parentShare: String(mix.parent), global: String(mix.global),
        moderators: mods.join('\n'), membership: r.membership === 'approval' ? 'approval' : 'open',
        pins: ((r.pinnedPosts as string[] | undefined) ?? []).join('\n'),
        allowAdult: (r.contentPolicy as { allowAdult?: unknown } | undefined)?.allowAdult === true,
      })
    }, (e) => setErrors({ form: messageOf(e) }))
  }, [editing, account?.did, did, rkey])

  if (!account) return <section><h1>{editing ? 'Edit community' : 'New community'}</h1><p><a href={`/sign-in?back=${encodeURIComponent(location.pathname)}`}>Sign in</a> first.</p></section>

  // Functional updates: two inputs in one tick (autofill, a fast typist) must not undo each other.
  // Errors are shown next to their fields, and focus goes to the first one.
  const fail = (found: Errors) => {
    setErrors(found)
    const first = FIELDS.find((f) => found[f])
    requestAnimationFrame(() => document.querySelector<HTMLElement>(first ? `[aria-describedby="${first}-error"]` : '[role="alert"]')?.focus())
  }

  const set = (k: keyof Values) => (e: { currentTarget: { value: string } }) => {
    const value = e.currentTarget.value
    setValues((v) => ({ ...v, [k]: value }))
  }

  const submit = async (e: Event) => {
    e.preventDefault()
    // Never a create in disguise: an edit saves only over the record it loaded.
    if (busy || (editing && !current)) return
    setBusy(true)
    const found: Errors = {}
    try {
      const mix = parseFeedMix(`${values.own},${values.parentShare},${values.global}`)
      if (!mix.ok) found.feedMix = mix.error
      const parent = parentUri(values.parent)
      if (parent !== undefined && !isConfigUri(parent)) found.parentCommunity = 'Give the parent community’s page link or its config AT-URI (at://…/net.atrarium.community.config/…).'
      const handles = values.moderators.split(/[\s,]+/).filter((h) => h !== '')
      const moderators: string[] = []
      for (const h of handles) {
        try {
          moderators.push(await ids.resolve(h))
        } catch (err) {
          found.moderators = messageOf(err)
          break
        }
      }
      const pinnedPosts: string[] = []
      for (const line of values.pins.split('\n').map((l) => l.trim()).filter((l) => l !== '')) {
        try {
          pinnedPosts.push(await pinUri(line, (h) => ids.resolve(h)))
        } catch (err) {
          found.pinnedPosts = messageOf(err)
          break
        }
      }
      if (Object.keys(found).length > 0 || !mix.ok) return fail(found)
      const description = values.description.trim()
      let targetUri: string
      let record: Record<string, unknown>
      let key: string
      if (editing && current) {
        const before = (current.moderators as string[] | undefined) ?? []
        const next = applyConfigChanges(uri!, current, {
          name: values.name.trim(), stage: values.stage, feedMix: mix.value, parentCommunity: parent ?? null, membership: values.membership, pinnedPosts, allowAdult: values.allowAdult,
          addModerators: moderators, removeModerators: before.filter((d) => !moderators.includes(d)),
          ...(description !== '' ? { description } : {}),
        })
        if (!next.ok) return fail({ [fieldOf(next.error, FIELDS) ?? 'form']: next.error })
        if (description === '') delete next.value.description
        ;[targetUri, record, key] = [uri!, next.value, rkey!]
      } else {
        key = nextTid()
        const built = buildConfigRecord({
          ownerDid: account.did, rkey: key, name: values.name.trim(), stage: values.stage, feedMix: mix.value, moderators,
          membership: values.membership, pinnedPosts, allowAdult: values.allowAdult,
          createdAt: new Date().toISOString(), ...(description !== '' ? { description } : {}), ...(parent ? { parentCommunity: parent } : {}),
        })
        if (!built.ok) return fail({ [fieldOf(built.error, FIELDS) ?? 'form']: built.error })
        ;[targetUri, record] = [built.value.uri, built.value.record]
      }
      setErrors({})
      await pds.putRecord(account, NSID.config, key, record)
      route(communityPath(targetUri))
    } catch (err) {
      fail({ form: messageOf(err) }) // what was typed stays
    } finally {
      setBusy(false)
    }
  }

  if (editing && !current) {
    return (
      <section class="narrow">
        <h1>Edit community</h1>
        {errors.form ? <p role="alert" class="error">{errors.form}</p> : <p aria-busy="true">Loading the community from your repository…</p>}
      </section>
    )
  }

  const err = (f: Field) => errors[f] && <p id={`${f}-error`} role="alert" class="field-error">{errors[f]}</p>
  const aria = (f: Field) => (errors[f] ? { 'aria-invalid': 'true' as const, 'aria-describedby': `${f}-error` } : {})
  return (
    <section class="narrow">
      <h1>{editing ? 'Edit community' : 'New community'}</h1>
      <form onSubmit={submit} noValidate>
        <div class="field">
          <label for="name">Name</label>
          <input id="name" value={values.name} onInput={set('name')} required {...aria('name')} />
          {err('name')}
        </div>
        <div class="field">
          <label for="description">Description</label>
          <textarea id="description" rows={3} value={values.description} onInput={set('description')} {...aria('description')} />
          {err('description')}
        </div>
        <div class="field">
          <label for="stage">Stage</label>
          <select id="stage" value={values.stage} onChange={set('stage')} {...aria('stage')}>
            <option value="theme">theme: a topic, just starting</option>
            <option value="community">community: people who post together</option>
            <option value="graduated">graduated: stands on its own</option>
          </select>
          {err('stage')}
        </div>
        <div class="field">
          <label for="membership">Who can join</label>
          <select id="membership" value={values.membership} onChange={set('membership')} aria-describedby="membership-hint" {...aria('membership')}>
            <option value="open">anyone: joining makes a member</option>
            <option value="approval">by approval: you or a moderator approve each member</option>
          </select>
          <p id="membership-hint" class="hint">Under approval, posts of people waiting are kept but not shown until they are approved.</p>
          {err('membership')}
        </div>
        <div class="field">
          <label for="parent">Parent community (optional)</label>
          <input id="parent" value={values.parent} onInput={set('parent')} placeholder="link to its page, or at://…" {...aria('parentCommunity')} />
          {err('parentCommunity')}
        </div>
        <fieldset class="field" {...aria('feedMix')}>
          <legend>Feed mix (percent, must sum to 100)</legend>
          <div class="row">
            <label>Own <input type="number" min={0} max={100} inputMode="numeric" value={values.own} onInput={set('own')} /></label>
            <label>Parent <input type="number" min={0} max={100} inputMode="numeric" value={values.parentShare} onInput={set('parentShare')} /></label>
            <label>Global <input type="number" min={0} max={100} inputMode="numeric" value={values.global} onInput={set('global')} /></label>
          </div>
          {err('feedMix')}
        </fieldset>
        <div class="field">
          <label for="moderators">Moderators (handles, one per line)</label>
          <textarea id="moderators" rows={3} value={values.moderators} onInput={set('moderators')} placeholder="bob.bsky.social" {...aria('moderators')} />
          {err('moderators')}
        </div>
        <div class="field">
          <label>
            <input type="checkbox" checked={values.allowAdult} onChange={(e) => { const on = e.currentTarget.checked; setValues((v) => ({ ...v, allowAdult: on })) }} />
            {' '}Take posts their authors labelled adult or graphic (porn, sexual, nudity, graphic media)
          </label>
          <p class="hint">Off, such posts are left out of this community. Bluesky apps still hide labelled posts by each reader's own settings.</p>
        </div>
        <div class="field">
          <label for="pins">Pinned posts (optional, up to 3: links or AT-URIs, one per line)</label>
          <textarea id="pins" rows={2} value={values.pins} onInput={set('pins')} placeholder="https://bsky.app/profile/you.bsky.social/post/…" aria-describedby="pins-hint" {...aria('pinnedPosts')} />
          <p id="pins-hint" class="hint">The feed starts with these, marked as pinned: your posts or a moderator's, with the community's hashtag.</p>
          {err('pinnedPosts')}
        </div>
        {errors.form && <p role="alert" class="error">{errors.form}</p>}
        <button type="submit" disabled={busy}>{busy ? 'Saving…' : editing ? 'Save changes' : 'Create community'}</button>
      </form>
    </section>
  )
}
