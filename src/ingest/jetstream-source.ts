import { parseJetstreamFrame } from '../core/jetstream-frame.js'
import { WANTED_COLLECTIONS } from '../core/nsid.js'
import { passesPrefilter, peekTimeUs, trackedAuthor } from '../core/prefilter.js'
import { ok } from '../core/result.js'
import { DEFAULT_MAX_MESSAGE_SIZE_BYTES, buildUrl } from './jetstream-url.js'
import { utf8Text } from './bytes.js'
import type { Stage1, StreamSource } from './stream-source.js'

const COLLECTIONS = new Set<string>(WANTED_COLLECTIONS)
// Shared verdicts: stage 1 runs on every frame of the stream and should not allocate for it.
const DROP: Stage1 = Object.freeze({ pass: false })
const PASS: Stage1 = Object.freeze({ pass: true })

/**
 * Jetstream: JSON text frames, cursor `time_us` (the max committed; buildUrl rewinds it 5 s,
 * because Jetstream's time_us is not monotonic). The cursor key stays `jetstream` for every host,
 * as before, since time_us is wall-clock time and means the same on every instance.
 */
export function jetstreamSource(opts: { url: string; maxMessageBytes?: number }): StreamSource<string> {
  const maxMessageBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_SIZE_BYTES
  const urlOpts = { url: opts.url, wantedCollections: WANTED_COLLECTIONS, maxMessageSizeBytes: maxMessageBytes }
  buildUrl(urlOpts) // fail at construction on a malformed URL rather than retrying it forever
  return {
    name: 'jetstream',
    key: 'jetstream',
    maxMessageBytes,
    url: (cursor) => buildUrl(urlOpts, cursor),
    fromWire: utf8Text,
    cursorOf: peekTimeUs,
    stage1(raw, hasIndexedAuthor) {
      if (!passesPrefilter(raw, hasIndexedAuthor)) return DROP
      const postAuthor = trackedAuthor(raw)
      return postAuthor ? { pass: true, postAuthor } : PASS
    },
    decode(raw) {
      const parsed = parseJetstreamFrame(raw, COLLECTIONS)
      return parsed.ok ? ok({ events: parsed.value ? [parsed.value] : [] }) : parsed
    },
    preview: (raw) => raw.slice(0, 200),
  }
}
