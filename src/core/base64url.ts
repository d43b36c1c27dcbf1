const NON_ASCII = /[^\x00-\x7f]/
const utf8 = new TextEncoder()
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

/** The text back, or undefined for anything that is not base64url of valid UTF-8. */
export function fromBase64Url(s: string): string | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return undefined
  try {
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'))
    // Bytes all below 0x80 are ASCII, which is valid UTF-8 and decodes to itself.
    if (!NON_ASCII.test(bin)) return bin
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0))
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
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
