import { communityIdOf } from '../../src/core/community-id.js'
import { recordUri, type RecordEvent } from '../../src/core/events.js'
import { NSID } from '../../src/core/nsid.js'

/**
 * What the index must hold after the soak stream (`soak-stream.ts`), from SPEC rather than from the
 * indexer: only the rules its generated cases need (§1 ids, §3 roles, §4 hashtags, sort time and
 * visibility, §5 the latest action in force), exact for those cases and nothing more.
 *
 * It also remembers when each row the index keeps was created and deleted, by stream position
 * (time_us or seq), so that after a crash the rows can be checked against the saved cursor.
 */
export type Table = 'configs' | 'memberships' | 'actions' | 'posts'

interface Lifetime {
  table: Table
  /** The row's key as `readIndexRows` spells it: the record URI, for posts `<uri> <config uri>`. */
  key: string
  created: number
  deleted?: number
}

export type IndexRows = Record<Table, Set<string>>

export interface KillCheck {
  /** Rows created at or before the cursor and never deleted since, that the index lacks. */
  lost: string[]
  /** Rows deleted at or before the cursor that the index still has. */
  stale: string[]
  /** How many rows the cursor decided (created, or created and deleted, at or before it). */
  checked: number
}

interface Action {
  uri: string
  actor: string
  action: string
  effectiveUs: number
}

// SPEC §4: a `#` at the start or after whitespace, up to whitespace, trailing punctuation removed.
// The generator's hashtags end in nothing or '!', so this is exact for them.
const TEXT_TAG = /(?:^|\s)#atrarium_([0-9a-f]{8})(?:!)?(?=\s|$)/g

export class SoakModel {
  private readonly configs = new Map<string, { owner: string; staff: Set<string> }>()
  private readonly byId = new Map<string, string[]>()
  /** `${config uri} ${did}` → active membership records. */
  private readonly members = new Map<string, number>()
  private readonly memberships = new Map<string, string>() // uri → `${config uri} ${did}`
  private readonly actions = new Map<string, { key: string } & Action>()
  /** `${config uri} ${target}` → its actions. */
  private readonly targets = new Map<string, Map<string, Action>>()
  private readonly posts = new Map<string, { author: string; sortUs: number; communities: string[] }>()
  private readonly lifetimes: Lifetime[] = []
  private readonly open = new Map<string, Lifetime[]>()

  /** Configs seen, in stream order. */
  get communities(): { uri: string; owner: string; id: string }[] {
    return [...this.configs].map(([uri, c]) => ({ uri, owner: c.owner, id: communityIdOf(uri) }))
  }

  apply(e: RecordEvent, pos: number): void {
    const uri = recordUri(e)
    if (e.op === 'delete') return this.remove(e.collection, uri, pos)
    const r = e.record as Record<string, any>
    if (e.collection === NSID.config) {
      this.configs.set(uri, { owner: e.did, staff: new Set([e.did, ...r.moderators]) })
      const id = communityIdOf(uri)
      this.byId.set(id, [...(this.byId.get(id) ?? []), uri])
      this.born('configs', uri, uri, pos)
    } else if (e.collection === NSID.membership) {
      const key = `${r.community} ${e.did}`
      this.memberships.set(uri, key)
      this.members.set(key, (this.members.get(key) ?? 0) + 1)
      this.born('memberships', uri, uri, pos)
    } else if (e.collection === NSID.action) {
      // SPEC §5: the effective time is the earlier of createdAt and when the service saw it.
      const a = { uri, actor: e.did, action: r.action, effectiveUs: Math.min(Date.parse(r.createdAt) * 1000, e.timeUs) }
      const key = `${r.community} ${r.target}`
      this.actions.set(uri, { key, ...a })
      const on = this.targets.get(key) ?? new Map<string, Action>()
      this.targets.set(key, on.set(uri, a))
      this.born('actions', uri, uri, pos)
    } else if (e.collection === NSID.post) {
      const ids = new Set([...String(r.text).matchAll(TEXT_TAG)].map((m) => m[1]!))
      for (const t of r.tags ?? []) if (/^atrarium_[0-9a-f]{8}$/.test(t)) ids.add(t.slice('atrarium_'.length))
      const communities = [...ids].flatMap((id) => this.byId.get(id) ?? [])
      if (communities.length === 0) return // names no known community: kept nowhere
      // SPEC §4: the earlier of createdAt and the event time.
      this.posts.set(uri, { author: e.did, sortUs: Math.min(Date.parse(r.createdAt) * 1000, e.timeUs), communities })
      for (const c of communities) this.born('posts', uri, `${uri} ${c}`, pos)
    }
  }

  private remove(collection: string, uri: string, pos: number): void {
    if (collection === NSID.membership) {
      const key = this.memberships.get(uri)
      if (key === undefined) return
      this.memberships.delete(uri)
      this.members.set(key, this.members.get(key)! - 1)
    } else if (collection === NSID.action) {
      const a = this.actions.get(uri)
      if (!a) return
      this.actions.delete(uri)
      this.targets.get(a.key)!.delete(uri)
    } else if (collection === NSID.post) {
      this.posts.delete(uri)
    } else if (collection === NSID.config) {
      throw new Error('the soak model does not delete configs')
    } else return
    for (const l of this.open.get(uri) ?? []) l.deleted = pos
    this.open.delete(uri)
  }

  private born(table: Table, uri: string, key: string, pos: number): void {
    const l: Lifetime = { table, key, created: pos }
    this.lifetimes.push(l)
    this.open.set(uri, [...(this.open.get(uri) ?? []), l])
  }

  /**
   * After a crash: every row the saved cursor covers must be as the stream left it. A row created
   * before the cursor and deleted after it may be either way (a restart's replay recreates it
   * until the delete comes round again), so it is not judged.
   */
  checkAt(cursor: number, rows: IndexRows): KillCheck {
    const out: KillCheck = { lost: [], stale: [], checked: 0 }
    for (const l of this.lifetimes) {
      if (l.created > cursor) continue
      const present = rows[l.table].has(l.key)
      if (l.deleted === undefined) {
        out.checked++
        if (!present) out.lost.push(`${l.table} ${l.key}`)
      } else if (l.deleted <= cursor) {
        out.checked++
        if (present) out.stale.push(`${l.table} ${l.key}`)
      }
    }
    return out
  }

  /** Every row the index must hold once the whole stream is indexed. */
  expectedRows(): IndexRows {
    const rows: IndexRows = { configs: new Set(), memberships: new Set(), actions: new Set(), posts: new Set() }
    for (const l of this.lifetimes) if (l.deleted === undefined) rows[l.table].add(l.key)
    return rows
  }

  /** The community's skeleton (own posts only: the generated configs have no feedMix), newest first. */
  expectedFeed(configUri: string): string[] {
    const config = this.configs.get(configUri)
    if (!config) return []
    const member = (did: string) => config.staff.has(did) || (this.members.get(`${configUri} ${did}`) ?? 0) > 0
    // SPEC §5: the latest action in force decides; in force = by the owner or a moderator.
    const latest = (target: string) => {
      let best: Action | undefined
      for (const a of this.targets.get(`${configUri} ${target}`)?.values() ?? []) {
        if (!config.staff.has(a.actor)) continue
        if (!best || a.effectiveUs > best.effectiveUs || (a.effectiveUs === best.effectiveUs && a.uri > best.uri)) best = a
      }
      return best?.action
    }
    const shown: { uri: string; sortUs: number }[] = []
    for (const [uri, p] of this.posts) {
      if (!p.communities.includes(configUri) || !member(p.author)) continue
      if (latest(p.author) === 'block_user' || latest(uri) === 'hide_post') continue
      shown.push({ uri, sortUs: p.sortUs })
    }
    return shown.sort((a, b) => b.sortUs - a.sortUs || (a.uri < b.uri ? 1 : a.uri > b.uri ? -1 : 0)).map((p) => p.uri)
  }
}
