import { DocumentNotFoundError, type DidDocumentResolver } from '@atcute/identity-resolver'
import { expect, it } from 'vitest'
import { countedResolver, newResolutionCounts } from './counted-resolver.js'

const doc = { id: 'did:plc:ok' } as Awaited<ReturnType<DidDocumentResolver['resolve']>>
const inner: DidDocumentResolver = {
  async resolve(did) {
    if (did === 'did:plc:ok') return doc
    throw new DocumentNotFoundError(did)
  },
}

it.each([
  { dids: ['did:plc:ok', 'did:plc:ok'], counts: { ok: 2, failed: 0 } },
  { dids: ['did:plc:gone', 'did:plc:ok'], counts: { ok: 1, failed: 1 } },
  { dids: [], counts: { ok: 0, failed: 0 } },
])('counts each resolution by outcome and passes answers and errors through: $dids', async ({ dids, counts }) => {
  const c = newResolutionCounts()
  const r = countedResolver(inner, c)
  for (const did of dids) {
    const got = r.resolve(did as `did:plc:${string}`)
    if (did === 'did:plc:ok') await expect(got).resolves.toBe(doc)
    else await expect(got).rejects.toBeInstanceOf(DocumentNotFoundError)
  }
  expect(c).toEqual(counts)
})
