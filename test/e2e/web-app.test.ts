import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { NSID } from '../../src/core/nsid.js'
import { continueSignIn, ensureWebBuild, launchChromium, newPage, screenshotDir, signInWithBluesky } from '../support/browser.js'
import { devNetwork, PASSWORD } from '../support/dev-network.js'
import { NodeHost } from '../support/node-process.js'

/**
 * The web app end to end: `npm start` following a real PDS's firehose, Chromium driving the app,
 * every sign-in through the PDS's real OAuth pages, every write into the user's own repo.
 */
let net: Awaited<ReturnType<typeof devNetwork>>
let host: NodeHost
let browser: Browser
let dataDir: string
let shots: string
const errors: string[] = []

beforeAll(async () => {
  ensureWebBuild()
  net = await devNetwork(Object.values(NAMES))
  dataDir = mkdtempSync(join(tmpdir(), 'atrarium-web-'))
  shots = screenshotDir(join(dataDir, 'screenshots'))
  const pds = new URL(net.pdsUrl)
  host = await NodeHost.start({
    ATRARIUM_DATA_DIR: dataDir, ATRARIUM_FIREHOSE_URL: `ws://localhost:${pds.port}`, ATRARIUM_PLC_URL: net.env.ATRARIUM_PLC_URL,
    ATRARIUM_HANDLE_RESOLVER_URL: net.pdsUrl,
  })
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await host?.stop()
  await net?.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

const skeleton = async (feed: string): Promise<string[]> =>
  ((await host.get(`/xrpc/${NSID.getFeedSkeleton}?feed=${encodeURIComponent(feed)}`)).body as { feed: { post: string }[] }).feed.map((f) => f.post)

/** Polls a server-side fact (bounded): the browser side waits on what the page shows. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  await host.waitFor(check, 30_000, what)
}

// "owner" and the like are handles a PDS reserves.
const NAMES = { owner: 'olivia', member: 'marcus', mod: 'mona' } as const
const user = (role: keyof typeof NAMES) => net.users[NAMES[role]]!

async function as(role: keyof typeof NAMES): Promise<Page> {
  // Tall enough for the whole community form: a full-page screenshot of a longer page resizes the
  // viewport and back, and Chromium's scroll after that can move a button under a pending click.
  const page = await newPage(await browser.newContext({ viewport: { width: 1100, height: 1400 } }), errors)
  await signInWithBluesky(page, host.base, `${NAMES[role]}.test`, PASSWORD)
  // A fresh sign-in is not a session that ended (the library reports one while it signs in).
  expect(await page.getByText('session has ended').count()).toBe(0)
  return page
}

it('an owner creates and publishes a community; a member finds, joins and posts; a moderator hides; removing the moderator withdraws the hide', async () => {
  // Owner: create the community, naming the moderator by handle.
  const owner = await as('owner')
  await owner.getByRole('link', { name: 'New community' }).first().click()
  await owner.getByLabel('Name').fill('Heron spotters')
  await owner.getByLabel('Description').fill('Herons, egrets and bitterns')
  await owner.getByLabel('Moderators (handles, one per line)').fill('mona.test')
  // A feed mix that does not sum to 100 is refused next to the field, and nothing typed is lost.
  await owner.getByLabel('Own').fill('90')
  await owner.getByRole('button', { name: 'Create community' }).click()
  await owner.getByText('feedMix must be three integers 0–100 that sum to 100').waitFor()
  expect(await owner.getByLabel('Name').inputValue()).toBe('Heron spotters')
  await owner.getByLabel('Own').fill('100')
  await owner.screenshot({ path: join(shots, 'community-form.png'), fullPage: true })
  await owner.getByRole('button', { name: 'Create community' }).click()
  await owner.getByRole('heading', { name: 'Heron spotters' }).waitFor()
  const [, , ownerDid, rkey] = new URL(owner.url()).pathname.split('/').map(decodeURIComponent)
  expect(ownerDid).toBe(user('owner').did)
  const configUri = `at://${ownerDid}/${NSID.config}/${rkey}`
  const community = (await host.get(`/xrpc/${NSID.getCommunity}?community=${encodeURIComponent(configUri)}`)).body
  expect(community).toMatchObject({ owner: ownerDid, moderators: [user('mod').did], config: { name: 'Heron spotters' } })

  // Owner: publish the feed; the record is in the owner's repo, served by this service.
  await owner.getByRole('button', { name: 'Publish feed' }).click()
  await owner.getByText('The feed is published').waitFor()
  const feed = await user('owner').agent.com.atproto.repo.getRecord({ repo: ownerDid!, collection: NSID.feedGenerator, rkey: community.id })
  expect(feed.data.value).toMatchObject({ did: 'did:web:localhost', displayName: 'Heron spotters' })
  expect((feed.data.value as { description: string }).description).toContain(`/c/${ownerDid}/${community.id}`)
  await owner.screenshot({ path: join(shots, 'owner.png'), fullPage: true })
  const feedUri = `at://${ownerDid}/${NSID.feedGenerator}/${community.id}`

  // Member: find it in the directory, join, post from the composer.
  const member = await as('member')
  await member.goto(`${host.base}/`)
  await member.getByLabel('Search communities by name').fill('heron')
  await member.getByRole('link', { name: 'Heron spotters' }).click()
  await member.getByRole('button', { name: 'Join' }).click()
  await member.getByRole('button', { name: 'Leave' }).waitFor()
  const memberships = await user('member').agent.com.atproto.repo.listRecords({ repo: user('member').did, collection: NSID.membership })
  expect(memberships.data.records.map((r) => r.value)).toMatchObject([{ community: configUri, role: 'member', active: true }])
  await member.getByLabel('Post to this community').fill('A grey heron by the e\u0301tang')
  await member.getByText('25/300').waitFor() // graphemes, counted live: é written as e + U+0301 is one, not two UTF-16 units
  await member.getByRole('button', { name: 'Post' }).click()
  const post = member.locator('li.post', { hasText: 'A grey heron by the' })
  await post.waitFor()
  await member.screenshot({ path: join(shots, 'community.png'), fullPage: true })
  const postUri = (await post.getAttribute('data-uri'))!
  expect(postUri).toMatch(new RegExp(`^at://${user('member').did}/${NSID.post}/`))
  expect(await skeleton(feedUri)).toContain(postUri)
  const written = await user('member').agent.com.atproto.repo.getRecord({ repo: user('member').did, collection: NSID.post, rkey: postUri.split('/').pop()! })
  expect(written.data.value).toMatchObject({ text: 'A grey heron by the e\u0301tang', tags: [`atrarium_${community.id}`] })

  // Moderator: the moderator view (service JWT from the moderator's PDS), hide the post.
  // Signing in from the community page comes back to it.
  const mod = await newPage(await browser.newContext({ viewport: { width: 1100, height: 900 } }), errors)
  await mod.goto(`${host.base}/community/${ownerDid}/${rkey}`)
  await mod.getByRole('link', { name: 'Sign in', exact: true }).click()
  await continueSignIn(mod, host.base, 'mona.test', PASSWORD)
  await mod.getByRole('heading', { name: 'Heron spotters' }).waitFor()
  expect(new URL(mod.url()).pathname).toBe(`/community/${ownerDid}/${rkey}`)
  await mod.getByRole('link', { name: 'Moderate' }).click()
  const row = mod.locator('li.post', { hasText: 'A grey heron by the' })
  await row.getByText('visible').waitFor()
  await mod.getByLabel('Reason for the next action (optional, public)').fill('write to me at a@b.example')
  await row.getByRole('button', { name: /^Hide this post by @marcus\.test$/ }).click()
  await mod.getByText('refusing to write this action').waitFor() // SPEC §8, before anything is written
  await mod.getByLabel('Reason for the next action (optional, public)').fill('Off topic')
  await row.getByRole('button', { name: /^Hide this post by @marcus\.test$/ }).click()
  await row.getByText('hidden').waitFor()
  await mod.locator('table').getByText('in force').waitFor()
  expect(await skeleton(feedUri)).not.toContain(postUri)
  // Block and unblock the author: the block is read back from the action history.
  await row.getByRole('button', { name: 'Block @marcus.test' }).click()
  await row.getByRole('button', { name: 'Unblock @marcus.test' }).waitFor()
  await row.getByRole('button', { name: 'Unblock @marcus.test' }).click()
  await row.getByRole('button', { name: 'Block @marcus.test' }).waitFor()
  await mod.locator('table tr', { hasText: 'unblock user' }).waitFor()
  expect(await mod.locator('table tr', { hasText: 'block user' }).count(), await mod.locator('table').innerText()).toBe(2)
  await mod.screenshot({ path: join(shots, 'moderation.png'), fullPage: true })
  await member.reload()
  await member.getByRole('heading', { name: 'Recent posts' }).waitFor()
  await member.getByText('No posts yet.').waitFor()

  // Owner: remove the moderator; their hide is withdrawn (SPEC §3) and the post is back. A full
  // page load: the session is restored from this browser, and the form from the owner's repo.
  await owner.goto(`${host.base}/community/${ownerDid}/${rkey}/edit`)
  await owner.getByText('@olivia.test').waitFor()
  await expectValue(owner, 'Moderators (handles, one per line)', 'mona.test')
  await owner.getByLabel('Moderators (handles, one per line)').fill('')
  await owner.getByRole('button', { name: 'Save changes' }).click()
  await owner.getByRole('heading', { name: 'Heron spotters' }).waitFor()
  await eventually(async () => (await skeleton(feedUri)).includes(postUri), 'the hide to be withdrawn')
  await owner.reload()
  await owner.locator('li.post', { hasText: 'A grey heron by the' }).waitFor()

  // Signed out, the directory and the community page still work.
  const anon = await newPage(await browser.newContext({ viewport: { width: 390, height: 844 } }), errors)
  await anon.goto(`${host.base}/c/olivia.test/${community.id}`)
  await anon.locator('li.post', { hasText: 'A grey heron by the' }).waitFor()
  await anon.getByText('Sign in', { exact: true }).first().waitFor()
  await anon.screenshot({ path: join(shots, 'community-phone.png'), fullPage: true })
  await anon.goto(`${host.base}/`)
  await anon.getByRole('link', { name: 'Heron spotters' }).waitFor()
  await anon.screenshot({ path: join(shots, 'directory.png'), fullPage: true })

  // Member: leave in one click; the membership records are gone from the member's repo.
  await member.getByRole('button', { name: 'Leave' }).click()
  await member.getByRole('button', { name: 'Join' }).waitFor()
  expect((await user('member').agent.com.atproto.repo.listRecords({ repo: user('member').did, collection: NSID.membership })).data.records).toEqual([])
  // Membership decides visibility (SPEC §4): the member's post leaves the feed with them.
  await eventually(async () => !(await skeleton(feedUri)).includes(postUri), 'the post to leave with its author')
  // Sign-out forgets the session in this browser, across a reload too.
  await member.getByRole('button', { name: 'Sign out' }).click()
  await member.getByRole('link', { name: 'Sign in with Bluesky' }).waitFor()
  await member.reload()
  await member.getByRole('link', { name: 'Sign in with Bluesky' }).waitFor()

  // Owner: unpublish the feed, then delete the community (after a confirmation).
  await owner.getByRole('button', { name: 'Unpublish feed' }).click()
  await owner.getByText('The feed record is deleted').waitFor()
  await expect(user('owner').agent.com.atproto.repo.getRecord({ repo: ownerDid!, collection: NSID.feedGenerator, rkey: community.id })).rejects.toThrow()
  owner.once('dialog', (d) => void d.accept())
  await owner.getByRole('button', { name: 'Delete community' }).click()
  await owner.getByRole('heading', { name: 'Communities' }).waitFor()
  await eventually(async () => (await host.get(`/xrpc/${NSID.getCommunity}?community=${encodeURIComponent(configUri)}`)).status === 400, 'the community to be gone')
  expect(errors).toEqual([])
}, 240_000)

it('approval, pins and content (SPEC §9–11) in the web app: the owner creates a community that approves members, a member asks to join and waits, the owner approves, pins a post and lets adult posts in', async () => {
  // Owner: the form asks who can join.
  const owner = await as('owner')
  await owner.getByRole('link', { name: 'New community' }).first().click()
  await owner.getByLabel('Name').fill('Egret circle')
  await owner.getByLabel('Who can join').selectOption('approval')
  await owner.getByRole('button', { name: 'Create community' }).click()
  await owner.getByRole('heading', { name: 'Egret circle' }).waitFor()
  await owner.getByText('by approval (0 waiting)').waitFor()
  const [, , ownerDid, rkey] = new URL(owner.url()).pathname.split('/').map(decodeURIComponent)
  const configUri = `at://${ownerDid}/${NSID.config}/${rkey}`
  const community = (await host.get(`/xrpc/${NSID.getCommunity}?community=${encodeURIComponent(configUri)}`)).body
  expect(community.config).toMatchObject({ name: 'Egret circle', membership: 'approval' })
  expect(community.config.contentPolicy).toBeUndefined()
  const feedUri = `at://${ownerDid}/${NSID.feedGenerator}/${community.id}`

  // Member: asks to join, is told they wait, posts; the post is kept but not in the feed.
  const member = await as('member')
  await member.goto(`${host.base}/community/${ownerDid}/${rkey}`)
  await member.getByRole('button', { name: 'Ask to join' }).click()
  await member.getByRole('button', { name: 'Leave' }).waitFor()
  const keptFromNonMembers = async () => ((await host.health()).indexer as unknown as { notMember: number }).notMember
  const keptBefore = await keptFromNonMembers()
  await member.getByLabel('Post to this community').fill('An egret at dawn')
  await member.getByRole('button', { name: 'Post' }).click()
  const pending = async () => ((await host.get(`/xrpc/${NSID.getMembers}?community=${encodeURIComponent(configUri)}&status=pending`)).body as { members: { did: string }[] }).members
  await eventually(async () => (await pending()).some((m) => m.did === user('member').did), 'the member to wait for approval')
  await member.reload()
  await member.getByText('Waiting for a moderator to approve you').waitFor()

  // Kept, not shown (SPEC §9): the composer cannot wait for a post the feed will not show, so the
  // index's count of posts kept from non-members says when it is in.
  await eventually(async () => (await keptFromNonMembers()) > keptBefore, "the waiting member's post to be kept")
  expect(await skeleton(feedUri)).toEqual([])

  // Owner: the moderator view lists who waits; approving shows the member's post.
  await owner.goto(`${host.base}/community/${ownerDid}/${rkey}/moderate`)
  await owner.getByRole('heading', { name: 'Waiting for approval (1)' }).waitFor()
  await owner.getByRole('button', { name: `Approve ${user('member').did}` }).click()
  await owner.getByText('No one is waiting.').waitFor()
  await owner.locator('table tr', { hasText: 'approve member' }).getByText('in force').waitFor()
  expect(await skeleton(feedUri)).toHaveLength(1)
  await member.reload()
  await member.locator('li.post', { hasText: 'An egret at dawn' }).waitFor()

  // Owner: joins, posts the rules and pins them; the feed starts with them, marked pinned.
  await owner.goto(`${host.base}/community/${ownerDid}/${rkey}`)
  expect(await owner.locator('li.post', { hasText: 'An egret at dawn' }).getByRole('button', { name: 'Pin to the top' }).count()).toBe(0) // not staff
  await owner.getByRole('button', { name: 'Join', exact: true }).click()
  await owner.getByLabel('Post to this community').fill('Rules: be kind to egrets')
  await owner.getByRole('button', { name: 'Post' }).click()
  const rules = owner.locator('li.post', { hasText: 'Rules: be kind' })
  await rules.getByRole('button', { name: 'Pin to the top' }).click()
  await rules.getByText('Pinned').waitFor()
  const rulesUri = (await rules.getAttribute('data-uri'))!
  const page = (await host.get(`/xrpc/${NSID.getFeedSkeleton}?feed=${encodeURIComponent(feedUri)}`)).body as { feed: { post: string; reason?: { $type: string } }[] }
  expect(page.feed[0]).toEqual({ post: rulesUri, reason: { $type: 'app.bsky.feed.defs#skeletonReasonPin' } })
  expect(page.feed.map((f) => f.post)).toEqual([rulesUri, expect.stringContaining(user('member').did)])

  // Owner: the edit form shows the settings; taking adult posts is saved to the config.
  await owner.goto(`${host.base}/community/${ownerDid}/${rkey}/edit`)
  expect(await owner.getByLabel('Who can join').inputValue()).toBe('approval')
  expect(await owner.getByLabel('Pinned posts').inputValue()).toBe(rulesUri)
  await owner.getByLabel('Take posts their authors labelled adult or graphic').check()
  await owner.getByRole('button', { name: 'Save changes' }).click()
  await owner.getByRole('heading', { name: 'Egret circle' }).waitFor()
  await eventually(async () => (await host.get(`/xrpc/${NSID.getCommunity}?community=${encodeURIComponent(configUri)}`)).body.config.contentPolicy?.allowAdult === true, 'the config to allow adult posts')
  const saved = await user('owner').agent.com.atproto.repo.getRecord({ repo: ownerDid!, collection: NSID.config, rkey: rkey! })
  expect(saved.data.value).toMatchObject({ membership: 'approval', pinnedPosts: [rulesUri], contentPolicy: { allowAdult: true } })

  // Owner: unpinning puts the rules back in time order.
  await owner.goto(`${host.base}/community/${ownerDid}/${rkey}`)
  await rules.getByRole('button', { name: 'Unpin' }).click()
  await rules.getByRole('button', { name: 'Pin to the top' }).waitFor()
  expect((await user('owner').agent.com.atproto.repo.getRecord({ repo: ownerDid!, collection: NSID.config, rkey: rkey! })).data.value).not.toHaveProperty('pinnedPosts')

  // Signing out in another tab ends the session in this one, and this tab says so.
  const other = await newPage(member.context(), errors)
  await other.goto(`${host.base}/`)
  await other.getByRole('button', { name: 'Sign out' }).click()
  await member.getByText('Your Bluesky session has ended: sign in again.').waitFor()
  await member.getByRole('link', { name: 'Sign in' }).first().waitFor()
}, 180_000)

it('says so when the user denies access on their PDS, and stays signed out', async () => {
  const page = await newPage(await browser.newContext(), errors)
  await page.goto(`${host.base}/sign-in`)
  await page.getByLabel('Handle').fill('marcus.test')
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await page.getByRole('button', { name: 'Deny access' }).click()
  await page.getByRole('alert').filter({ hasText: 'Sign-in did not complete' }).waitFor()
  await page.getByRole('link', { name: 'Sign in with Bluesky' }).waitFor()
  // An unknown handle is refused on our page, before any redirect, with what went wrong. By
  // keyboard alone: the form submits on Enter.
  await page.goto(`${host.base}/sign-in`)
  await page.getByLabel('Handle').focus()
  await page.keyboard.type('nobody.test')
  await page.keyboard.press('Enter')
  await page.getByRole('alert').filter({ hasText: 'Could not start sign-in' }).waitFor()
  expect(await page.getByLabel('Handle').inputValue()).toBe('nobody.test')
})

async function expectValue(page: Page, label: string, value: string): Promise<void> {
  await host.waitFor(async () => (await page.getByLabel(label).inputValue()) === value, 30_000, `${label} to read ${value}`)
}
