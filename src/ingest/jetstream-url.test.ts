import { describe, expect, it } from 'vitest'
import { WANTED_COLLECTIONS } from '../core/nsid.js'
import { buildUrl } from './jetstream-url.js'

describe('buildUrl', () => {
  const base = 'wss://jetstream.example/subscribe'
  it.each([
    {
      name: 'no cursor: collections and size limit only',
      opts: { url: base, wantedCollections: ['a.b.c'] },
      cursor: undefined,
      want: `${base}?wantedCollections=a.b.c&maxMessageSizeBytes=1048576`,
    },
    {
      name: 'cursor is rewound by the default 5 s',
      opts: { url: base, wantedCollections: ['a.b.c'] },
      cursor: 1_700_000_000_000_000,
      want: `${base}?wantedCollections=a.b.c&maxMessageSizeBytes=1048576&cursor=1699999995000000`,
    },
    {
      name: 'custom rewind and size limit',
      opts: { url: base, wantedCollections: [], rewindUs: 1_000, maxMessageSizeBytes: 2048 },
      cursor: 50_000,
      want: `${base}?maxMessageSizeBytes=2048&cursor=49000`,
    },
    {
      name: 'rewind never goes below 0',
      opts: { url: base, wantedCollections: [] },
      cursor: 1_000,
      want: `${base}?maxMessageSizeBytes=1048576&cursor=0`,
    },
    ...[0, -5, Number.NaN].map((cursor) => ({
      name: `non-positive or invalid cursor ${cursor} is omitted`,
      opts: { url: base, wantedCollections: [] },
      cursor,
      want: `${base}?maxMessageSizeBytes=1048576`,
    })),
    {
      name: 'one wantedCollections param per collection, in order',
      opts: { url: base, wantedCollections: WANTED_COLLECTIONS },
      cursor: undefined,
      want: `${base}?${WANTED_COLLECTIONS.map((c) => `wantedCollections=${c}`).join('&')}&maxMessageSizeBytes=1048576`,
    },
    {
      name: 'existing params are kept; managed ones are replaced',
      opts: { url: `${base}?requireHello=true&cursor=1&wantedCollections=x.y.z`, wantedCollections: ['a.b.c'] },
      cursor: 9_000_000,
      want: `${base}?requireHello=true&wantedCollections=a.b.c&maxMessageSizeBytes=1048576&cursor=4000000`,
    },
  ])('$name', ({ opts, cursor, want }) => {
    expect(buildUrl(opts, cursor)).toBe(want)
  })
})
