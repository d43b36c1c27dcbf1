import { recordUri, type RepoEvent } from '../../src/core/events.js'
import { initialMixState, mixPage, type FeedEntry, type FeedSource } from '../../src/core/feed-mix.js'
import { NSID } from '../../src/core/nsid.js'
import { community, configEvent, membershipEvent, postEvent } from './events.js'

/**
 * SPEC §7 on both hosts: a parent P, a child C mixing {own 60, parent 30, global 10}, and a third
 * community T. One post is tagged in both C and T, so it is held by two of C's sources.
 */
export const P = community('did:plc:mixowner', '3kmixparent22')
export const C = community('did:plc:mixowner', '3kmixchild222')
export const T = community('did:plc:mixowner', '3kmixthird222')
export const member = 'did:plc:mixmember'
export const PER_SOURCE = 40

export function mixEvents(): RepoEvent[] {
  const events: RepoEvent[] = [
    configEvent(P),
    configEvent(C, { parentCommunity: P.uri, feedMix: { own: 60, parent: 30, global: 10 } }),
    configEvent(T),
    ...[P, C, T].map((c, i) => membershipEvent(member, `mm${i}`, c)),
  ]
  for (let i = 0; i < PER_SOURCE; i++) {
    for (const [c, tag] of [[C, 'c'], [P, 'p'], [T, 't']] as const) events.push(postEvent(member, `${tag}${String(i).padStart(3, '0')}`, `${c.hashtag} ${i}`))
  }
  events.push(postEvent(member, 'both', `${C.hashtag} ${T.hashtag}`))
  return events
}

/** Which source a post of this scenario came from, by its record key. */
export const sourceOf = (uri: string): string => {
  const rkey = uri.split('/').pop()!
  return rkey === 'both' ? 'both' : { c: 'own', p: 'parent', t: 'global' }[rkey[0]!]!
}

/** The feed C must serve, computed by the core interleave over plain lists of the scenario's posts. */
export function expectedMix(events: RepoEvent[], pageSize: number): string[] {
  const lists: Record<'own' | 'parent' | 'global', FeedEntry[]> = { own: [], parent: [], global: [] }
  for (const e of events) {
    if (e.op === 'account' || e.collection !== NSID.post) continue
    const entry = { uri: recordUri(e), sortUs: Math.floor(e.timeUs / 1000) * 1000 }
    const s = sourceOf(entry.uri)
    if (s === 'both') lists.own.push(entry), lists.global.push(entry)
    else lists[s as 'own' | 'parent' | 'global'].push(entry)
  }
  const source = (entries: FeedEntry[]): FeedSource => {
    const sorted = [...entries].sort((a, b) => b.sortUs - a.sortUs || (a.uri < b.uri ? 1 : -1))
    return {
      read: (after, n) => {
        const from = after ? sorted.findIndex((x) => x.sortUs < after.sortUs || (x.sortUs === after.sortUs && x.uri < after.uri)) : 0
        return from < 0 ? [] : sorted.slice(from, from + n)
      },
      holds: (uri) => sorted.some((x) => x.uri === uri),
    }
  }
  const sources = { own: source(lists.own), parent: source(lists.parent), global: source(lists.global) }
  const out: string[] = []
  let state = initialMixState()
  for (let i = 0; i < 1000; i++) {
    const page = mixPage({ own: 60, parent: 30, global: 10 }, sources, state, pageSize)
    out.push(...page.entries.map((x) => x.uri))
    state = page.state
    if (!page.more) break
  }
  return out
}
