import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { communityIdOf, configUriOf, hashtagOf } from '../../src/core/community-id.js'
import { NSID } from '../../src/core/nsid.js'
import { COMMANDS } from '../../src/cli/registry.js'
import { atrarium } from '../support/cli-process.js'
import { collidingRkeys } from '../support/collision.js'
import { devNetwork } from '../support/dev-network.js'

let dev: Awaited<ReturnType<typeof devNetwork>>
beforeAll(async () => {
  dev = await devNetwork(['alice', 'bob', 'carol', 'dave'])
}, 60_000)
afterAll(async () => {
  await dev?.close()
})

const cli = (user: string | undefined, ...args: string[]) => atrarium([...args, ...(user ? dev.as(user) : [])], dev.env)
const rkeyOf = (uri: string) => uri.split('/').pop()!

async function records(user: string, collection: string) {
  const { did, agent } = dev.users[user]!
  const res = await agent.com.atproto.repo.listRecords({ repo: did, collection })
  return res.data.records
}

async function create(...extra: string[]) {
  const r = await cli('alice', 'community', 'create', '--name', 'Gardening', '--json', ...extra)
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  return r.json as { uri: string; id: string; hashtag: string; cid: string }
}

describe('atrarium CLI against a real PDS', () => {
  it('has --help for every command and group, exiting 0', async () => {
    const runs = await Promise.all([
      atrarium(['--help']),
      atrarium(['community', '--help']),
      atrarium(['feed', '--help']),
      ...COMMANDS.map((c) => atrarium([...c.path, '--help'])),
    ])
    for (const r of runs) expect(r.code).toBe(0)
    expect(runs[0]!.stdout).toContain('community create')
    COMMANDS.forEach((c, i) => expect(runs[i + 3]!.stdout).toContain(`Usage: atrarium ${c.path.join(' ')}`))
    expect(runs.at(-1)!.stdout).toContain("every member's posts of the last 7 days")
  }, 60_000)

  it('refuses bad arguments with one line and exit 2', async () => {
    const cases = [
      [['frobnicate'], 'unknown command frobnicate'],
      [['community'], 'community needs a subcommand'],
      [['community', 'create', '--nmae', 'x'], "Unknown option '--nmae'"],
      [['join'], 'missing argument'],
    ] as const
    const runs = await Promise.all(cases.map(([args]) => atrarium([...args])))
    runs.forEach((r, i) => {
      expect(r.code).toBe(2)
      expect(r.stderr).toContain(cases[i]![1])
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
    })
  }, 60_000)

  it('creates a community with the hashtag of its final AT-URI, and shows it without sign-in', async () => {
    const alice = dev.users.alice!
    const c = await create('--description', 'Plants', '--moderator', 'bob.test', '--feed-mix', '80,0,20')
    expect(c.uri).toBe(`at://${alice.did}/${NSID.config}/${rkeyOf(c.uri)}`)
    expect(c.id).toBe(communityIdOf(c.uri))
    expect(c.hashtag).toBe(hashtagOf(c.id))

    const onPds = (await alice.agent.com.atproto.repo.getRecord({ repo: alice.did, collection: NSID.config, rkey: rkeyOf(c.uri) })).data.value as any
    expect(onPds).toMatchObject({ name: 'Gardening', hashtag: c.hashtag, moderators: [dev.users.bob!.did], feedMix: { own: 80, parent: 0, global: 20 }, stage: 'theme' })

    // No --pds and no sign-in: the owner's PDS comes from the DID document on the dev PLC.
    const shown = await atrarium(['community', 'show', c.uri, '--json'], dev.env)
    expect(shown.code).toBe(0)
    expect(shown.json).toMatchObject({ ok: true, uri: c.uri, id: c.id, owner: alice.did, config: { name: 'Gardening', description: 'Plants' } })
    const text = await atrarium(['community', 'show', c.uri], dev.env)
    expect(text.stdout).toContain(`hashtag:     ${c.hashtag}`)
  }, 60_000)

  it('updates moderators, feed mix and stage; refuses an invalid feed mix and writes nothing', async () => {
    const { bob, carol } = dev.users
    const c = await create()
    const add = await cli('alice', 'community', 'update', c.id, '--add-moderator', bob!.did, '--add-moderator', 'carol.test', '--feed-mix', '50,25,25', '--stage', 'community', '--json')
    expect(add.code).toBe(0)
    expect(add.json.record).toMatchObject({ moderators: [bob!.did, carol!.did], feedMix: { own: 50, parent: 25, global: 25 }, stage: 'community' })

    const remove = await cli('alice', 'community', 'update', c.uri, '--remove-moderator', bob!.did)
    expect(remove.code).toBe(0)
    const shown = await cli(undefined, 'community', 'show', c.uri, '--json')
    expect(shown.json.config.moderators).toEqual([carol!.did])
    const cidBefore = (await records('alice', NSID.config)).find((r) => r.uri === c.uri)!.cid

    const bad = await cli('alice', 'community', 'update', c.uri, '--feed-mix', '80,30,0')
    expect(bad.code).toBe(1)
    expect(bad.stderr.trim()).toBe('atrarium: feedMix must be three integers 0–100 that sum to 100, got 80,30,0')
    expect((await records('alice', NSID.config)).find((r) => r.uri === c.uri)!.cid).toBe(cidBefore)

    const notOwner = await cli('bob', 'community', 'update', c.uri, '--name', 'Mine now')
    expect(notOwner.code).toBe(1)
    expect(notOwner.stderr).toContain('only the owner')
  }, 60_000)

  it('reports unknown communities and a wrong password as one-line errors', async () => {
    const alice = dev.users.alice!
    const [missing, unknownId, wrongPassword] = await Promise.all([
      cli(undefined, 'community', 'show', `at://${alice.did}/${NSID.config}/3jzfcijpj2z2a`),
      cli('bob', 'join', 'deadbeef'),
      atrarium(['join', 'deadbeef', '--handle', 'alice.test', '--password', 'wrong-password', '--pds', dev.pdsUrl], dev.env),
    ])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('unknown community')
    expect(unknownId.code).toBe(1)
    expect(unknownId.stderr).toContain('unknown community deadbeef: none of your configs has that id')
    expect(wrongPassword.code).toBe(1)
    expect(wrongPassword.stderr).toMatch(/^atrarium: sign-in as alice\.test at http:\/\/localhost:\d+ failed: Invalid identifier or password\n$/)
  }, 60_000)

  it('joins (once) and leaves by deleting the membership records', async () => {
    const c = await create()
    const first = await cli('carol', 'join', c.uri, '--json')
    expect(first.json).toMatchObject({ ok: true, community: c.uri, changed: true })
    const again = await cli('carol', 'join', c.uri, '--json')
    expect(again.json).toMatchObject({ changed: false, membership: first.json.membership })
    const mine = (await records('carol', NSID.membership)).filter((r) => (r.value as any).community === c.uri)
    expect(mine.map((r) => r.value)).toMatchObject([{ community: c.uri, role: 'member', active: true }])

    const left = await cli('carol', 'leave', c.uri, '--json')
    expect(left.json).toMatchObject({ deleted: [first.json.membership], changed: true })
    expect((await records('carol', NSID.membership)).filter((r) => (r.value as any).community === c.uri)).toEqual([])
    const notMember = await cli('carol', 'leave', c.uri)
    expect(notMember.code).toBe(0)
    expect(notMember.stdout).toContain('you were not a member')
  }, 60_000)

  it('hides, unhides, blocks, unblocks, approves and rejects; refuses a reason with an e-mail address and non-moderators', async () => {
    const { bob, dave } = dev.users
    const c = await create('--moderator', bob!.did)
    const post = `at://${dave!.did}/${NSID.post}/3jzfcijpj2z2a`
    const before = (await records('bob', NSID.action)).length

    const leaky = await cli('bob', 'hide', post, '--community', c.uri, '--reason', 'ask me at mod@example.com')
    expect(leaky.code).toBe(1)
    expect(leaky.stderr.trim()).toBe('atrarium: refusing to write this action: reason contains an e-mail address; moderation actions are public records')
    expect((await records('bob', NSID.action)).length).toBe(before)

    const steps = [
      ['hide', post, 'hide_post', post],
      ['unhide', post, 'unhide_post', post],
      ['block', 'dave.test', 'block_user', dave!.did],
      ['unblock', dave!.did, 'unblock_user', dave!.did],
      ['approve', 'dave.test', 'approve_member', dave!.did],
      ['reject', dave!.did, 'reject_member', dave!.did],
    ] as const
    for (const [cmd, arg, action, target] of steps) {
      const r = await cli('bob', cmd, arg, '--community', c.uri, '--reason', 'off topic', '--json')
      expect(r.code, r.stderr).toBe(0)
      expect(r.json).toMatchObject({ action, target, community: c.uri })
      const rec = (await bob!.agent.com.atproto.repo.getRecord({ repo: bob!.did, collection: NSID.action, rkey: rkeyOf(r.json.uri) })).data.value
      expect(rec).toMatchObject({ action, target, community: c.uri, reason: 'off topic' })
    }

    const outsider = await cli('carol', 'hide', post, '--community', c.uri)
    expect(outsider.code).toBe(1)
    expect(outsider.stderr).toContain('neither the owner nor a moderator')
  }, 90_000)

  it('publishes and unpublishes the feed record keyed by the community id', async () => {
    const alice = dev.users.alice!
    const c = await create()
    const pub = await cli('alice', 'feed', 'publish', c.id, '--service-did', 'did:web:feeds.example.com', '--json')
    expect(pub.code, pub.stderr).toBe(0)
    expect(pub.json.feed).toBe(`at://${alice.did}/${NSID.feedGenerator}/${c.id}`)
    const rec = await alice.agent.com.atproto.repo.getRecord({ repo: alice.did, collection: NSID.feedGenerator, rkey: c.id })
    expect(rec.data.value).toMatchObject({ did: 'did:web:feeds.example.com', displayName: 'Gardening' })

    const unpub = await cli('alice', 'feed', 'unpublish', c.uri)
    expect(unpub.code).toBe(0)
    await expect(alice.agent.com.atproto.repo.getRecord({ repo: alice.did, collection: NSID.feedGenerator, rkey: c.id })).rejects.toThrow(/Could not locate record/)
  }, 60_000)

  it('refuses an id that names two of your communities, and a feed record that could not tell them apart (SPEC §1)', async () => {
    const alice = dev.users.alice!
    const [r1, r2] = collidingRkeys(alice.did, alice.did, 'k')
    const id = communityIdOf(configUriOf(alice.did, r1))
    for (const rkey of [r1, r2]) {
      const record = { $type: NSID.config, name: `Twin ${rkey}`, hashtag: hashtagOf(id), stage: 'theme', moderators: [], createdAt: new Date().toISOString() }
      await alice.agent.com.atproto.repo.putRecord({ repo: alice.did, collection: NSID.config, rkey, record })
    }
    const byId = await cli('alice', 'feed', 'publish', id, '--service-did', 'did:web:feeds.example.com')
    expect(byId.code).toBe(1)
    expect(byId.stderr).toContain('names several of your configs')
    expect(byId.stderr).toContain(configUriOf(alice.did, r2))
    const byUri = await cli('alice', 'feed', 'publish', configUriOf(alice.did, r1), '--service-did', 'did:web:feeds.example.com')
    expect(byUri.code).toBe(1)
    expect(byUri.stderr).toContain('could not tell them apart')
  }, 60_000)
})
