import type { RecordEvent } from '../../src/core/events.js'
import { NSID } from '../../src/core/nsid.js'
import { DEFAULT_FEED_MIX } from '../../src/core/records.js'
import { actionEvent, community, configEvent, del, isoUs, membershipEvent, postEvent, postUri, tick, type Community } from './events.js'

/**
 * The read API scenario both hosts play: roles, action standings, post states and a community
 * tree with its edge cases. Each host feeds `events` through its own pipeline and must answer
 * exactly `expected`, so the Node and Workers answers are identical.
 */
export const owner = 'did:plc:readowner'
export const mod = 'did:plc:readmod'
export const bob = 'did:plc:readbob'
export const carol = 'did:plc:readcarol'
export const claimer = 'did:plc:readclaimer'
export const dana = 'did:plc:readdana'
export const gone = 'did:plc:readgone'
export const outsider = 'did:plc:readoutsider'
export const other = 'did:plc:readother'

export const P = community(owner, '3kparentaaaa2')
export const R = community(owner, '3kroottttttt2')
export const K = community(other, '3kchildddddd2')
export const X = community(other, '3kunknownpar2')
export const C1 = community(other, '3kcycleoneee2')
export const C2 = community(other, '3kcycletwooo2')
export const G = community(other, '3kgonegonego2')
export const Q = community(other, '3korphanorph2')

const name = (c: Community) => `Community ${c.rkey}`
const summary = (c: Community) => ({ uri: c.uri, id: c.id, owner: c.owner, name: name(c), stage: 'theme' })

export function readScenario() {
  const at = () => isoUs(tick())
  const posts = {
    p1: postEvent(bob, 'r1', `first ${R.hashtag}`),
    p2: postEvent(bob, 'r2', `to hide ${R.hashtag}`),
    p3: postEvent(carol, 'r3', `carol ${R.hashtag}`),
    p4: postEvent(bob, 'r4', `hidden then back ${R.hashtag}`),
    p5: postEvent(claimer, 'r5', `claims too much ${R.hashtag}`),
  }
  const actions = {
    hideP2: actionEvent(mod, 'ra1', R, 'hide_post', postUri(bob, 'r2'), at(), { reason: 'off topic' }),
    hideP4: actionEvent(mod, 'ra2', R, 'hide_post', postUri(bob, 'r4'), at()),
    unhideP4: actionEvent(owner, 'ra3', R, 'unhide_post', postUri(bob, 'r4'), at()),
    outsiderHide: actionEvent(outsider, 'ra4', R, 'hide_post', postUri(bob, 'r1'), at()),
    blockCarol: actionEvent(owner, 'ra5', R, 'block_user', carol, at()),
  }
  const events: RecordEvent[] = [
    configEvent(P),
    configEvent(R, { parentCommunity: P.uri, moderators: [mod] }),
    configEvent(K, { parentCommunity: R.uri }),
    configEvent(X, { parentCommunity: `at://${other}/${NSID.config}/3knobodyhere2` }),
    configEvent(C1, { parentCommunity: C2.uri }),
    configEvent(C2, { parentCommunity: C1.uri }),
    configEvent(G),
    configEvent(Q, { parentCommunity: G.uri }),
    del(other, NSID.config, G.rkey),
    membershipEvent(bob, 'rm1', R),
    membershipEvent(carol, 'rm2', R, { joinedAt: '2026-01-03T00:00:00.000Z' }),
    membershipEvent(claimer, 'rm3', R, { role: 'moderator' }),
    membershipEvent(dana, 'rm4', R, { joinedAt: '2026-01-05T00:00:00.000Z' }),
    membershipEvent(dana, 'rm5', R, { joinedAt: '2026-01-04T00:00:00.000Z' }),
    membershipEvent(mod, 'rm6', R, { role: 'moderator', joinedAt: '2026-01-06T00:00:00.000Z' }),
    membershipEvent(gone, 'rm7', R, { active: false }),
    ...Object.values(posts),
    ...Object.values(actions),
  ]

  const sortAt = (e: RecordEvent) => isoUs(e.timeUs)
  const actionView = (e: RecordEvent, status: string) => {
    const r = (e as { record: Record<string, unknown> }).record
    return { uri: `at://${e.did}/${NSID.action}/${e.rkey}`, actor: e.did, action: r.action, target: r.target, ...(r.reason ? { reason: r.reason } : {}), createdAt: r.createdAt, status }
  }
  const postView = (e: RecordEvent, status: string) => ({ uri: postUri(e.did, e.rkey), author: e.did, sortAt: sortAt(e), status })

  const expected = {
    community: {
      uri: R.uri, id: R.id, owner,
      config: { name: name(R), hashtag: R.hashtag, stage: 'theme', parentCommunity: P.uri, feedMix: DEFAULT_FEED_MIX, moderators: [mod], createdAt: '2026-01-01T00:00:00.000Z' },
      moderators: [mod], stage: 'theme', parent: P.uri, children: [summary(K)],
      counts: { members: 6, postsIndexed: 5, postsHidden: 1, blockedUsers: 1 },
    },
    /** Parent and children of the tree's edge cases, by community. */
    tree: [
      [P, { children: [summary(R)] }],
      [K, { parent: R.uri, children: [] }],
      [X, { children: [] }],
      [C1, { children: [] }],
      [C2, { children: [] }],
      [Q, { children: [] }],
    ] as const,
    members: [
      { did: bob, role: 'member', joinedAt: '2026-01-02T00:00:00.000Z' },
      { did: carol, role: 'member', joinedAt: '2026-01-03T00:00:00.000Z' },
      { did: claimer, role: 'member', joinedAt: '2026-01-02T00:00:00.000Z' },
      { did: dana, role: 'member', joinedAt: '2026-01-04T00:00:00.000Z' },
      { did: mod, role: 'moderator', joinedAt: '2026-01-06T00:00:00.000Z' },
      { did: owner, role: 'owner' },
    ],
    actions: [
      actionView(actions.blockCarol, 'inForce'),
      actionView(actions.outsiderHide, 'unauthorized'),
      actionView(actions.unhideP4, 'inForce'),
      actionView(actions.hideP4, 'withdrawn'),
      actionView(actions.hideP2, 'inForce'),
    ],
    posts: [
      postView(posts.p5, 'visible'),
      postView(posts.p4, 'visible'),
      postView(posts.p3, 'authorBlocked'),
      postView(posts.p2, 'hidden'),
      postView(posts.p1, 'visible'),
    ],
    communitiesOf: {
      [owner]: [P, R].map(summary).sort((a, b) => (a.id < b.id ? -1 : 1)),
      [other]: [K, X, C1, C2, Q].map(summary).sort((a, b) => (a.id < b.id ? -1 : 1)),
    },
  }
  return { events, expected }
}

export type Get = (path: string, authorization?: string) => Promise<{ status: number; body: any }>

export const queryPath = (nsid: string, params: Record<string, string | undefined>) => {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined))
  return `/xrpc/${nsid}?${q}`
}

/** Every page of a paginated query, `limit` at a time, through any host. */
export async function readAll(get: Get, nsid: string, key: string, params: Record<string, string>, limit = 2, authorization?: string): Promise<unknown[]> {
  const out: unknown[] = []
  let cursor: string | undefined
  for (let page = 0; page < 1000; page++) {
    const r = await get(queryPath(nsid, { ...params, limit: String(limit), cursor }), authorization)
    if (r.status !== 200) throw new Error(`${nsid} page ${page}: ${r.status} ${JSON.stringify(r.body)}`)
    out.push(...r.body[key])
    if (r.body.cursor === undefined) return out
    cursor = r.body.cursor
  }
  throw new Error(`${nsid} did not end`)
}
