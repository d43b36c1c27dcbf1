import { readFileSync } from 'node:fs'
import { decode, encode } from '@atcute/cbor'
import { splitFrame } from '../../src/core/firehose-frame.js'

/**
 * Deterministic mutators for stream frames: byte-level damage for both wire formats, JSON-aware
 * edits for Jetstream text and CBOR-aware edits (header, body fields, ops, the CAR and its
 * records) for firehose frames. Every choice comes from one seeded PRNG, so a seed replays a run.
 */
export type Rand = () => number

/** mulberry32: small, fast, and the same sequence on every runtime (as the stream generator). */
export function prng(seed: number): Rand {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const int = (rand: Rand, n: number): number => Math.floor(rand() * n)
export const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[int(rand, xs.length)]!
export const chance = (rand: Rand, p: number): boolean => rand() < p

// The interop vectors are the best list of strings that are almost, but not quite, valid.
const SYNTAX = new URL('../fixtures/interop/syntax/', import.meta.url)
const vectors = (name: string): string[] => {
  try {
    return readFileSync(new URL(name, SYNTAX), 'utf8')
      .split('\n')
      .filter((l) => l.length > 0 && !l.startsWith('#'))
  } catch {
    return []
  }
}
const INTEROP_STRINGS = [
  ...vectors('datetime_syntax_valid.txt'),
  ...vectors('datetime_syntax_invalid.txt'),
  ...vectors('did_syntax_valid.txt'),
  ...vectors('did_syntax_invalid.txt'),
  ...vectors('aturi_syntax_valid.txt'),
  ...vectors('aturi_syntax_invalid.txt'),
]

const DATETIMES = [
  '0001-01-01T00:00:00Z',
  '0000-01-01T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
  '1970-01-01T00:00:00Z',
  '1969-12-31T23:59:59.999999Z',
  '2026-02-30T12:00:00Z',
  '2026-07-04T14:38:08.999999999Z',
  '2026-07-04T14:38:08+14:00',
  '2026-07-04T14:38:08-00:00',
  '2026-07-04T25:00:00Z',
  '2026-07-04',
  '+275760-09-13T00:00:00.000Z',
]

const UNICODE = [
  '👨‍👩‍👧‍👧',
  '\u0000',
  '\ud800',
  '\udfff\ud800',
  '\u202e#atrarium_',
  '＃atrarium_',
  'e\u0301'.repeat(400),
  'ｆｕｌｌ',
  '\uFEFF',
  'Z̴̡̪͔̈́a̸͓̿l̵̰̈g̴̨̈o',
]

/** Values that break parsers: wrong types, edges of the number line, odd strings. */
export function interestingValue(rand: Rand, cborSafe = false): unknown {
  switch (int(rand, 12)) {
    case 0:
      return pick(
        rand,
        cborSafe
          ? [0, -1, 1, 2 ** 53 - 1, -(2 ** 53) + 1, 1.5, -0.5, 1e300, -1e-300]
          : [0, -1, 1, 2 ** 53, 9e18, -9e18, 1e308, -1e308, 1.5, 1e-320, -0],
      )
    case 1:
      return pick(rand, [
        'NaN',
        'Infinity',
        '-1',
        '9e18',
        '1e400',
        '0x10',
        '',
        ' ',
        'null',
        'true',
        '[]',
        '{}',
      ])
    case 2:
      return pick(rand, [null, true, false, [], {}, [null], { $type: 'x' }])
    case 3:
      return pick(rand, DATETIMES)
    case 4:
      return pick(rand, UNICODE)
    case 5:
      return pick(rand, ['a', '#', '😀', 'atrarium_', 'x'])!.repeat(1 + int(rand, 5000))
    case 6:
      return deep(rand, 10 + int(rand, cborSafe ? 300 : 1000))
    case 7:
      return pick(rand, [
        'did:plc:',
        'did:web:',
        'at://',
        'at://did:plc:x/net.atrarium.community.config/',
        'net.atrarium.',
        '#atrarium_',
        'app.bsky.feed.post',
      ])
    default:
      return INTEROP_STRINGS.length > 0 ? pick(rand, INTEROP_STRINGS) : 'x'
  }
}

function deep(rand: Rand, depth: number): unknown {
  let v: unknown = pick(rand, ['x', 1, null, {}])
  for (let i = 0; i < depth; i++) v = chance(rand, 0.5) ? [v] : { a: v }
  return v
}

type Container = Record<string, unknown> | unknown[]
const isContainer = (v: unknown): v is Container =>
  typeof v === 'object' && v !== null && (Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype)

/** Up to `max` (container, key) slots of a tree, breadth first, so shallow fields are found. */
function slots(root: unknown, max = 200): [Container, string | number][] {
  const out: [Container, string | number][] = []
  const queue: unknown[] = [root]
  for (let q = 0; q < queue.length && out.length < max; q++) {
    const c = queue[q]
    if (!isContainer(c)) continue
    const keys: (string | number)[] = Array.isArray(c) ? c.map((_, i) => i) : Object.keys(c)
    for (const k of keys) {
      out.push([c, k])
      queue.push((c as Record<string | number, unknown>)[k])
    }
  }
  return out
}

const KEYS = [
  'text',
  'tags',
  'createdAt',
  'hashtag',
  'community',
  'target',
  'action',
  'active',
  'moderators',
  'feedMix',
  'parentCommunity',
  'stage',
  'time_us',
  'kind',
  'did',
  'rkey',
  'operation',
  'collection',
  'record',
  'cid',
  'own',
  'global',
  'parent',
  'facets',
  'role',
  'joinedAt',
  'name',
  '$type',
]

/**
 * One edit of a decoded value, in place where possible; returns the new root. `known` strings
 * (community hashtags, URIs, member DIDs) are spliced in so mutants still reach deep code.
 */
export function mutateValue(rand: Rand, root: unknown, known: readonly string[], cborSafe = false): unknown {
  const all = slots(root)
  if (all.length === 0) return interestingValue(rand, cborSafe)
  const [c, k] = pick(rand, all)
  const obj = c as Record<string | number, unknown>
  const old = obj[k]
  switch (int(rand, 10)) {
    case 0:
      if (Array.isArray(c)) c.splice(k as number, 1)
      else delete obj[k]
      break
    case 1:
      if (Array.isArray(c)) c.push(old)
      else obj[pick(rand, KEYS)] = chance(rand, 0.5) ? old : interestingValue(rand, cborSafe)
      break
    case 2:
      obj[k] = known.length > 0 ? pick(rand, known) : interestingValue(rand, cborSafe)
      break
    case 3:
      // Keep the type, change the content: the likeliest way past a validator.
      if (typeof old === 'string') obj[k] = mutateString(rand, old, known)
      else if (typeof old === 'number')
        obj[k] = pick(
          rand,
          cborSafe ? [old + 1, old - 1, -old, 0] : [old + 1, old - 1, -old, old * 1000, old / 1000, 0],
        )
      else if (typeof old === 'boolean') obj[k] = !old
      else obj[k] = interestingValue(rand, cborSafe)
      break
    case 4:
      obj[k] = Array.isArray(old) ? [...old, ...old, ...old] : [old]
      break
    default:
      obj[k] = interestingValue(rand, cborSafe)
  }
  return root
}

export function mutateString(rand: Rand, s: string, known: readonly string[]): string {
  const at = int(rand, s.length + 1)
  switch (int(rand, 7)) {
    case 0:
      return s.slice(0, at)
    case 1:
      return s.slice(0, at) + (known.length > 0 ? pick(rand, known) : '#atrarium_0') + s.slice(at)
    case 2:
      return s.slice(0, at) + pick(rand, UNICODE) + s.slice(at)
    case 3:
      return (
        s +
        ' ' +
        (known.length > 0 ? pick(rand, known) : '') +
        ' #atrarium_' +
        int(rand, 2 ** 32)
          .toString(16)
          .padStart(8, '0')
      )
    case 4:
      return s.slice(0, at) + String.fromCharCode(int(rand, 0x10000)) + s.slice(at + 1)
    case 5:
      return s.toUpperCase()
    default:
      return s.repeat(2 + int(rand, 20))
  }
}

/** Byte-level damage, the same for text and binary frames. */
export function mutateBytes(rand: Rand, b: Uint8Array, other: Uint8Array): Uint8Array {
  if (b.length === 0) return other.slice(0, int(rand, other.length + 1))
  const out = Uint8Array.from(b)
  const at = int(rand, b.length)
  switch (int(rand, 8)) {
    case 0:
    case 1: {
      const n = 1 + int(rand, 8)
      for (let i = 0; i < n; i++) {
        const j = int(rand, out.length)
        out[j] = out[j]! ^ (1 << int(rand, 8))
      }
      return out
    }
    case 2:
      out[at] = pick(
        rand,
        [
          0x00, 0xff, 0x7f, 0x80, 0x22, 0x5c, 0x7b, 0x7d, 0x18, 0x19, 0x1a, 0x1b, 0x5f, 0x9f, 0xbf, 0xf6,
          0xf7, 0xfb,
        ],
      )
      return out
    case 3:
      return b.subarray(0, at)
    case 4:
      return concat(b.subarray(0, at), b.subarray(at + 1 + int(rand, 64)))
    case 5: {
      // Splice: this frame's head onto another's tail.
      return concat(b.subarray(0, at), other.subarray(int(rand, other.length + 1)))
    }
    case 6: {
      const from = int(rand, b.length)
      const len = 1 + int(rand, Math.min(256, b.length - from))
      return concat(b.subarray(0, at), b.subarray(from, from + len), b.subarray(at))
    }
    default:
      return concat(b.subarray(0, at), randomBytes(rand, 1 + int(rand, 16)), b.subarray(at))
  }
}

function randomBytes(rand: Rand, n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = int(rand, 256)
  return out
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Jetstream (JSON text)

const enc = new TextEncoder()
const dec = new TextDecoder()

/** One mutation of a Jetstream frame; `known` strings route mutants back to the communities. */
export function mutateJetstream(rand: Rand, raw: string, other: string, known: readonly string[]): string {
  const r = rand()
  if (r < 0.25) return dec.decode(mutateBytes(rand, enc.encode(raw), enc.encode(other)))
  if (r < 0.35) return duplicateKey(rand, raw)
  if (r < 0.45) return replaceField(rand, raw)
  let v: unknown
  try {
    v = JSON.parse(raw)
  } catch {
    return dec.decode(mutateBytes(rand, enc.encode(raw), enc.encode(other)))
  }
  const edits = 1 + int(rand, 3)
  for (let i = 0; i < edits; i++) v = mutateValue(rand, v, known)
  // Mostly Jetstream's compact layout (stage 1's fast path); sometimes another layout (its scan).
  return chance(rand, 0.9)
    ? (JSON.stringify(v) ?? 'undefined')
    : (JSON.stringify(v, null, int(rand, 3)) ?? 'undefined')
}

const TOP_FIELDS: [string, string[]][] = [
  [
    'time_us',
    [
      '9e18',
      '-1',
      '0',
      '9007199254740992',
      '1.5',
      '"1783175888085434"',
      '1e400',
      '-0',
      '17831758880854340000000',
      '00001783175888085434',
    ],
  ],
  ['kind', ['"account"', '"identity"', '"commit "', '"Commit"', 'null', '1']],
  ['operation', ['"create"', '"update"', '"delete"', '"upsert"', '""']],
  [
    'collection',
    [
      '"net.atrarium.community.config"',
      '"net.atrarium.community.membership"',
      '"net.atrarium.moderation.action"',
      '"app.bsky.feed.post"',
      '"net.atrarium.x"',
      '"app.bsky.feed.postx"',
    ],
  ],
  ['rkey', ['"self"', '"."', '".."', '"a/b"', '"did:plc:x::did:web:y"', '""', `"${'a'.repeat(600)}"`]],
  ['did', ['"did:plc:"', '"did:web:localhost%3A3000"', '"DID:plc:x"', '"did:plc:x\\"y"', '1']],
]

/** Replaces the first value of a top-level field in the text, keeping everything else byte-exact. */
function replaceField(rand: Rand, raw: string): string {
  const [key, values] = pick(rand, TOP_FIELDS)
  const at = raw.indexOf(`"${key}":`)
  if (at < 0) return raw
  const start = at + key.length + 3
  let end = start
  if (raw[start] === '"') {
    end = raw.indexOf('"', start + 1) + 1
    if (end === 0) return raw
  } else while (end < raw.length && !',}]'.includes(raw[end]!)) end++
  return raw.slice(0, start) + pick(rand, values) + raw.slice(end)
}

/** A second occurrence of a key: JSON.parse keeps the last, a regex on the text sees the first. */
function duplicateKey(rand: Rand, raw: string): string {
  const [key, values] = pick(rand, TOP_FIELDS)
  const at = raw.indexOf(`"${key}":`)
  const dup = `"${key}":${pick(rand, values)},`
  if (at < 0) return raw.startsWith('{') ? `{${dup}${raw.slice(1)}` : raw
  return chance(rand, 0.5)
    ? raw.slice(0, at) + dup + raw.slice(at)
    : raw.replace(/\}\s*$/, `,${dup.slice(0, -1)}}`)
}

// ---------------------------------------------------------------------------------------------
// Firehose (DAG-CBOR header + body, body.blocks a CAR)

// A placeholder integer in an encoded value, swapped for raw CBOR the encoder refuses to write.
const PLACEHOLDER = 0x0badf00d
const PLACEHOLDER_BYTES = Uint8Array.of(0x1a, 0x0b, 0xad, 0xf0, 0x0d)
const RAW_CBOR = [
  Uint8Array.of(0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), // 2^64 - 1
  Uint8Array.of(0x1b, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00), // 2^53
  Uint8Array.of(0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), // -2^63
  Uint8Array.of(0xf9, 0x7e, 0x00), // NaN (half)
  Uint8Array.of(0xfb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0), // Infinity
  Uint8Array.of(0xf7), // undefined
  Uint8Array.of(0xc2, 0x41, 0x01), // bignum tag
  Uint8Array.of(0xd8, 0x2a, 0x41, 0x00), // tag 42 with a broken CID
  Uint8Array.of(0x5f, 0x41, 0x00, 0xff), // indefinite bytes
  Uint8Array.of(0x9f, 0x01, 0xff), // indefinite array
  Uint8Array.of(0xbf, 0x61, 0x61, 0x01, 0xff), // indefinite map
  Uint8Array.of(0x7a, 0xff, 0xff, 0xff, 0xff), // text claiming 4 GB
]

function encodeWithRaw(rand: Rand, v: unknown): Uint8Array {
  const bytes = encode(v)
  const i = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(PLACEHOLDER_BYTES)
  return i < 0
    ? bytes
    : concat(bytes.subarray(0, i), pick(rand, RAW_CBOR), bytes.subarray(i + PLACEHOLDER_BYTES.length))
}

interface CarEntry {
  /** Offset of the entry's length varint, and where its cid+data span starts and ends. */
  at: number
  start: number
  end: number
}

function readVarint(b: Uint8Array, at: number): [number, number] | undefined {
  let n = 0
  let shift = 0
  for (let i = at; i < b.length && i < at + 9; i++) {
    n += (b[i]! & 0x7f) * 2 ** shift
    shift += 7
    if ((b[i]! & 0x80) === 0) return [n, i + 1]
  }
  return undefined
}

export function varint(n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80)
    n = Math.floor(n / 0x80)
  }
  out.push(n)
  return Uint8Array.from(out)
}

/** The entries of a CAR, as far as its length varints hold together. */
function carEntries(car: Uint8Array): CarEntry[] {
  const head = readVarint(car, 0)
  if (!head) return []
  const out: CarEntry[] = []
  for (let p = head[1] + head[0]; p < car.length;) {
    const v = readVarint(car, p)
    if (!v || v[1] + v[0] > car.length) break
    out.push({ at: p, start: v[1], end: v[1] + v[0] })
    p = v[1] + v[0]
  }
  return out
}

const BLOCK_CID_BYTES = 36

function mutateCar(rand: Rand, car: Uint8Array, known: readonly string[]): Uint8Array {
  const entries = carEntries(car)
  const e = entries.length > 0 ? pick(rand, entries) : undefined
  switch (int(rand, 6)) {
    case 0: {
      // A record, decoded, edited and re-encoded under its old CID: stage 2 trusts the CAR's CIDs.
      if (!e) break
      const cid = car.subarray(e.start, e.start + BLOCK_CID_BYTES)
      let record: unknown
      try {
        record = decode(car.subarray(e.start + BLOCK_CID_BYTES, e.end))
      } catch {
        break
      }
      let data: Uint8Array
      try {
        data = encodeWithRaw(rand, mutateValue(rand, record, known, true))
      } catch {
        break
      }
      const body = concat(cid, data)
      return concat(car.subarray(0, e.at), varint(body.length), body, car.subarray(e.end))
    }
    case 1: {
      // A length varint that lies: longer, shorter, zero, or a runaway continuation.
      if (!e) break
      const len = e.end - e.start
      const lie = pick(rand, [0, 1, len - 1, len + 1, len * 2, 2 ** 31, 2 ** 50])
      const bad = chance(rand, 0.2)
        ? Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)
        : varint(lie)
      return concat(car.subarray(0, e.at), bad, car.subarray(e.start))
    }
    case 2: {
      // Flips inside one block's CID or data.
      if (!e) break
      const out = Uint8Array.from(car)
      const n = 1 + int(rand, 4)
      for (let i = 0; i < n; i++) {
        const j = e.start + int(rand, e.end - e.start)
        out[j] = out[j]! ^ (1 << int(rand, 8))
      }
      return out
    }
    case 3: {
      // The CAR header: version, roots.
      const cut = Math.min(car.length, 64)
      return concat(mutateBytes(rand, car.subarray(0, cut), car), car.subarray(cut))
    }
    case 4:
      return car.subarray(0, int(rand, car.length + 1))
  }
  return mutateBytes(rand, car, car)
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const blocksOf = (body: Record<string, unknown>): Uint8Array | undefined => {
  const b = body.blocks as { buf?: unknown } | undefined
  return b && b.buf instanceof Uint8Array ? b.buf : undefined
}

/** One mutation of a firehose frame, CBOR-aware most of the time. */
export function mutateFirehose(
  rand: Rand,
  frame: Uint8Array,
  other: Uint8Array,
  known: readonly string[],
  toBytes: (b: Uint8Array) => unknown,
): Uint8Array {
  const r = rand()
  if (r < 0.3) return mutateBytes(rand, frame, other)
  const split = splitFrame(frame)
  if (!split.ok) return mutateBytes(rand, frame, other)
  const { header } = split.value
  let body: Record<string, unknown> = split.value.body
  try {
    const kind = int(rand, 10)
    if (kind === 0) {
      header.t = pick(rand, [
        '#commit',
        '#identity',
        '#account',
        '#sync',
        '#info',
        '#handle',
        '#tombstone',
        '#migrate',
        '',
        'commit',
      ])
      if (chance(rand, 0.3)) header.op = pick(rand, [-1, 0, 2, 1.5, '1', PLACEHOLDER])
    } else if (kind <= 3) {
      const car = blocksOf(body)
      if (car) body.blocks = toBytes(mutateCar(rand, car, known))
      else body.blocks = toBytes(new Uint8Array())
    } else if (kind <= 5 && Array.isArray(body.ops) && body.ops.length > 0) {
      const op = pick(rand, body.ops)
      if (isObject(op)) {
        const f = int(rand, 4)
        if (f === 0) op.action = pick(rand, ['create', 'update', 'delete', 'Create', '', null])
        else if (f === 1)
          op.path = typeof op.path === 'string' ? pathMutant(rand, op.path) : 'app.bsky.feed.post/3k'
        else if (f === 2)
          op.cid = pick(rand, [
            null,
            'bafyrei',
            { $link: 'x' },
            (body.ops as Record<string, unknown>[])[0]?.cid,
          ])
        else body.ops = [...body.ops, ...body.ops]
      } else body.ops = [null, 1, 'x']
    } else if (kind <= 7) {
      const field = pick(rand, [
        'seq',
        'repo',
        'did',
        'rev',
        'time',
        'since',
        'ops',
        'tooBig',
        'rebase',
        'commit',
        'active',
        'status',
        'handle',
      ])
      body[field] = chance(rand, 0.3)
        ? PLACEHOLDER
        : field === 'time'
          ? pick(rand, DATETIMES)
          : interestingValue(rand, true)
    } else {
      body = mutateValue(rand, body, known, true) as Record<string, unknown>
    }
    return concat(encodeWithRaw(rand, header), encodeWithRaw(rand, body))
  } catch {
    return mutateBytes(rand, frame, other)
  }
}

function pathMutant(rand: Rand, path: string): string {
  const slash = path.indexOf('/')
  const rkey = slash >= 0 ? path.slice(slash + 1) : path
  return pick(rand, [
    `net.atrarium.community.config/${rkey}`,
    `net.atrarium.community.membership/${rkey}`,
    `net.atrarium.moderation.action/${rkey}`,
    `app.bsky.feed.post/${rkey}`,
    `app.bsky.feed.post`,
    `app.bsky.feed.post/`,
    `/${rkey}`,
    `app.bsky.feed.post/a/b`,
    `app.bsky.feed.post/${'x'.repeat(600)}`,
    path.toUpperCase(),
  ])
}
