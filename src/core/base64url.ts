const NON_ASCII = /[^\x00-\x7f]/
const utf8 = new TextEncoder()
// Made once (constructing one costs more than a short decode); never given `stream`, so it keeps no state.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })
const BASE64_TO_URL: Record<string, string> = { '+': '-', '/': '_', '=': '' }

/** UTF-8 text as unpadded base64url, the encoding of every opaque cursor the service hands out. */
export function toBase64Url(s: string): string {
  // Cursors are ASCII (DIDs, record keys, numbers), and ASCII is its own UTF-8 and a valid
  // binary string for btoa: only other text needs the byte-by-byte copy.
  let bin = s
  if (NON_ASCII.test(s)) {
    bin = ''
    for (const b of utf8.encode(s)) bin += String.fromCharCode(b)
  }
  return btoa(bin).replace(/[+/=]/g, (c) => BASE64_TO_URL[c]!)
}

const BASE64URL_RE = /^[A-Za-z0-9_-]*$/

/** The bytes of unpadded base64url, or undefined for anything else. */
export function base64UrlBytes(s: string): Uint8Array<ArrayBuffer> | undefined {
  const bin = base64UrlBinary(s)
  if (bin === undefined) return undefined
  // A plain loop: Uint8Array.from with a mapping function costs several times as much.
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

/** atob of unpadded base64url: each byte a char code. */
function base64UrlBinary(s: string): string | undefined {
  if (!BASE64URL_RE.test(s)) return undefined
  try {
    return atob(s.replace(/-/g, '+').replace(/_/g, '/'))
  } catch {
    return undefined
  }
}

/** The text back, or undefined for anything that is not base64url of valid UTF-8. */
export function fromBase64Url(s: string): string | undefined {
  const bin = base64UrlBinary(s)
  if (bin === undefined) return undefined
  // Bytes all below 0x80 are ASCII, which is valid UTF-8 and decodes to itself.
  if (!NON_ASCII.test(bin)) return bin
  try {
    return strictUtf8.decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)))
  } catch {
    return undefined
  }
}

/** The JSON value an opaque cursor carries, or undefined for anything malformed or oversized. */
export function parseOpaqueJson(cursor: string, maxLength: number): unknown {
  if (cursor.length === 0 || cursor.length > maxLength) return undefined
  const text = fromBase64Url(cursor)
  if (text === undefined) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
