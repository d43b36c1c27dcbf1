import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { community, configEvent, postEvent, postUri } from '../../test/support/events.js'
import { indexHarness } from '../../test/support/index-harness.js'

const alice = 'did:plc:alice'
const A = community(alice, '3jzfcijpj2z2a')
let h: ReturnType<typeof indexHarness>
beforeEach(() => (h = indexHarness()))
afterEach(() => h.close())
const post = (did: string, rkey: string) => postEvent(did, rkey, `hi ${A.hashtag}`)

describe('content labels (SPEC §11)', () => {
  const adult = (did: string, rkey: string, text: string) => postEvent(did, rkey, text, { labels: { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: 'nudity' }] } })
  const B = community(alice, '3jzfcijpj2z2b')
  it('a self-labelled adult post is left out of a community that does not allow it, and kept in one that does', () => {
    h.apply(configEvent(A), configEvent(B, { contentPolicy: { allowAdult: true } }), post(alice, 'plain'), adult(alice, 'nsfw', `${A.hashtag} ${B.hashtag}`))
    expect(h.feed(A.id)).toEqual([postUri(alice, 'plain')])
    expect(h.feed(B.id)).toEqual([postUri(alice, 'nsfw')])
  })

  it('an update that adds the label takes the post out; one that removes it brings it in', () => {
    h.apply(configEvent(A), post(alice, 'p1'))
    h.apply({ ...adult(alice, 'p1', `edited ${A.hashtag}`), op: 'update' })
    expect(h.feed(A.id)).toEqual([])
    h.apply(postEvent(alice, 'p1', `clean ${A.hashtag}`, {}, 'update'))
    expect(h.feed(A.id)).toEqual([postUri(alice, 'p1')])
  })
})
