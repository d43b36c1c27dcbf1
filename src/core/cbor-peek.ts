/**
 * Reads one top-level field of a firehose frame's body without decoding the frame: a structural
 * walk that skips every other item by its length. Stage 1 needs `seq` (the cursor) of every
 * frame and `repo` of a few, and must not pay for decoding the CAR or the ops to get them.
 */
const MAX_DEPTH = 32
const utf8 = new TextDecoder()
const enc = new TextEncoder()

const sameBytes = (b: Uint8Array, at: number, want: Uint8Array): boolean => {
  for (let i = 0; i < want.length; i++) if (b[at + i] !== want[i]) return false
  return true
}

interface Head {
  major: number
  arg: number
  end: number
}

function head(b: Uint8Array, pos: number): Head {
  if (pos >= b.length) throw new RangeError('unexpected end of frame')
  const first = b[pos]!
  const major = first >> 5
  const info = first & 31
  if (info < 24) return { major, arg: info, end: pos + 1 }
  const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0
  if (size === 0 || pos + 1 + size > b.length) throw new RangeError('bad CBOR argument')
  let arg = 0
  for (let i = 1; i <= size; i++) arg = arg * 256 + b[pos + i]!
  return { major, arg, end: pos + 1 + size }
}

/** Position just after the item starting at `pos`. */
export function skipItem(b: Uint8Array, pos: number, depth = 0): number {
  if (depth > MAX_DEPTH) throw new RangeError('CBOR nested too deeply')
  const h = head(b, pos)
  switch (h.major) {
    case 2:
    case 3:
      if (h.end + h.arg > b.length) throw new RangeError('CBOR string past end of frame')
      return h.end + h.arg
    case 4:
    case 5: {
      let p = h.end
      const items = h.major === 5 ? h.arg * 2 : h.arg
      for (let i = 0; i < items; i++) p = skipItem(b, p, depth + 1)
      return p
    }
    case 6:
      return skipItem(b, h.end, depth + 1)
    default:
      // Major 7 uses the argument bytes as the value itself (floats, simple values).
      return h.end
  }
}

/** The value of `key` in the body map (the second item of the frame), if it is a uint or a text. */
export function peekBodyField(frame: Uint8Array, key: string): number | string | undefined {
  const want = enc.encode(key)
  try {
    const map = head(frame, skipItem(frame, 0))
    if (map.major !== 5) return undefined
    let p = map.end
    for (let i = 0; i < map.arg; i++) {
      const k = head(frame, p)
      const isKey = k.major === 3 && k.arg === want.length && sameBytes(frame, k.end, want)
      p = k.major === 3 ? k.end + k.arg : skipItem(frame, p)
      if (isKey) {
        const v = head(frame, p)
        if (v.major === 0) return v.arg
        if (v.major === 3 && v.end + v.arg <= frame.length) return utf8.decode(frame.subarray(v.end, v.end + v.arg))
        return undefined
      }
      p = skipItem(frame, p)
    }
  } catch {
    // A malformed frame has no readable field; stage 2 counts and logs it.
  }
  return undefined
}
