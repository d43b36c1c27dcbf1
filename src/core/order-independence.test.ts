import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { RepoEvent } from './events.js'
import { actionEvent, community, configEvent, membershipEvent, postEvent, postUri } from '../../test/support/events.js'
import { indexHarness } from '../../test/support/index-harness.js'

const owners = ['did:plc:owner1', 'did:plc:owner2']
const users = ['did:plc:u1', 'did:plc:u2', 'did:plc:u3', 'did:plc:u4']
const communities = [community(owners[0]!, '3kaaaaaaaaaa2'), community(owners[1]!, '3kbbbbbbbbbb2')]
const actors = [...owners, ...users]
const postRkeys = ['p1', 'p2', 'p3']
const postTargets = users.flatMap((u) => postRkeys.map((r) => postUri(u, r)))

const configArb = fc.record({ c: fc.constantFrom(0, 1), moderators: fc.subarray(users, { maxLength: 2 }) })
const membershipArb = fc.record({ did: fc.constantFrom(...users), c: fc.constantFrom(0, 1), active: fc.boolean(), role: fc.constantFrom('member', 'moderator', 'owner') })
const actionArb = fc.record({
  actor: fc.constantFrom(...actors),
  c: fc.constantFrom(0, 1),
  kind: fc.constantFrom('hide_post', 'unhide_post', 'block_user', 'unblock_user'),
  post: fc.constantFrom(...postTargets),
  user: fc.constantFrom(...users, ...owners),
  second: fc.integer({ min: 0, max: 5 }),
})

/** Distinct records, one event per AT-URI, so no order between versions of one record exists. */
type Of<A> = A extends fc.Arbitrary<infer T> ? T : never
function recordEvents(configs: Of<typeof configArb>[], memberships: Of<typeof membershipArb>[], actions: Of<typeof actionArb>[]) {
  const seenConfig = new Set<number>()
  const out: RepoEvent[] = []
  for (const c of configs) {
    if (seenConfig.has(c.c)) continue
    seenConfig.add(c.c)
    out.push(configEvent(communities[c.c]!, { moderators: c.moderators }))
  }
  memberships.forEach((m, i) => out.push(membershipEvent(m.did, `m${i}`, communities[m.c]!, { active: m.active, role: m.role })))
  const acts = actions.map((a, i) => {
    const target = a.kind.endsWith('_post') ? a.post : a.user
    return actionEvent(a.actor, `a${i}`, communities[a.c]!, a.kind, target, `2026-11-01T00:00:0${a.second}.000Z`)
  })
  return { out, acts }
}

const posts = () => users.flatMap((u) => postRkeys.map((r, i) => postEvent(u, r, `${communities[i % 2]!.hashtag} ${i === 2 ? communities[0]!.hashtag : ''}`)))

function stateAfter(events: RepoEvent[]) {
  const h = indexHarness()
  try {
    h.apply(...events)
    const feeds = communities.map((c) => {
      try {
        return h.feed(c.id)
      } catch (e) {
        return String(e)
      }
    })
    return { ...h.snapshot(), feeds }
  } finally {
    h.close()
  }
}

describe('SPEC §6: order independence', () => {
  it('any permutation of the same configs, memberships and actions yields the same state', () => {
    fc.assert(
      fc.property(
        fc.array(configArb, { minLength: 1, maxLength: 2 }),
        fc.array(membershipArb, { maxLength: 8 }),
        fc.array(actionArb, { maxLength: 10 }),
        fc.array(actionArb, { maxLength: 10 }),
        fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
        (configs, memberships, actionsBefore, actionsAfter, randoms) => {
          const { out, acts } = recordEvents(configs, memberships, actionsBefore)
          const late = recordEvents([], [], actionsAfter).acts.map((e) => ({ ...e, rkey: `late-${e.rkey}` }))
          const ps = posts()
          const canonical = stateAfter([...out, ...acts, ...ps, ...late])
          const shuffle = <T>(xs: T[]) => xs.map((x) => [randoms.next().value as number, x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x)
          const permuted = stateAfter([...shuffle([...out, ...acts]), ...ps, ...shuffle(late)])
          expect(permuted).toEqual(canonical)
        },
      ),
      { numRuns: 150 },
    )
  })
})
