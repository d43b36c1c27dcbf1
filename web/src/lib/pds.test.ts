import { describe, expect, it } from 'vitest'
import { pds, type Account } from './pds.js'

const answering = (status: number, body: unknown): Account => ({
  did: 'did:plc:me',
  fetch: async () => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
})

// What the user reads when their PDS says no: the PDS's own words, and what to do about a scope.
describe('pds writes', () => {
  it.each<[string, Account, RegExp]>([
    ['a missing scope', answering(403, { error: 'ScopeMissingError', message: 'Missing required scope "repo:app.bsky.feed.post?action=create"' }),
      /^Your Bluesky server refused writing your app\.bsky\.feed\.post record: Missing required scope "repo:app\.bsky\.feed\.post\?action=create" \(sign out and in again/],
    ['an invalid record', answering(400, { error: 'InvalidRequest', message: 'Invalid app.bsky.feed.post record: Record/text must not be longer than 3000 graphemes' }),
      /^Your Bluesky server refused writing your app\.bsky\.feed\.post record: Invalid app\.bsky\.feed\.post record/],
    ['a body that is not XRPC', answering(502, '<html>bad gateway</html>'), /refused writing your app\.bsky\.feed\.post record: com\.atproto\.repo\.createRecord failed \(HTTP 502\)/],
    ['no answer at all', { did: 'did:plc:me', fetch: async () => { throw new TypeError('Failed to fetch') } }, /^Your Bluesky server could not be reached for writing your app\.bsky\.feed\.post record$/],
  ])('%s', async (_name, acct, message) => {
    await expect(pds.createRecord(acct, 'app.bsky.feed.post', { text: 'hi' })).rejects.toThrow(message)
  })

  it('a record that is not there is undefined, not an error', async () => {
    expect(await pds.getRecord(answering(400, { error: 'RecordNotFound', message: 'Could not locate record' }), 'app.bsky.feed.generator', 'abcd1234')).toBeUndefined()
  })
})
