import { Buffer } from 'node:buffer'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { base64UrlBytes, fromBase64Url, toBase64Url } from './base64url.js'

// Node's own base64url of the UTF-8 bytes is the reference: the core may not use Buffer, its tests may.
const reference = (s: string) => Buffer.from(s, 'utf8').toString('base64url')

describe('base64url', () => {
  it('property: encodes any text as unpadded base64url of its UTF-8, and decodes it back', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })), (s) => {
        // Lone surrogates have no UTF-8 form; both sides write U+FFFD for them.
        const wellFormed = new TextDecoder().decode(new TextEncoder().encode(s))
        expect(toBase64Url(s)).toBe(reference(wellFormed))
        expect(fromBase64Url(toBase64Url(s))).toBe(wellFormed)
      }),
      { numRuns: 500 },
    )
  })

  it('refuses what is not base64url of valid UTF-8', () => {
    expect(fromBase64Url('ab+c')).toBeUndefined()
    expect(fromBase64Url('a')).toBeUndefined()
    expect(fromBase64Url(Buffer.from([0xff, 0xfe, 0x41]).toString('base64url'))).toBeUndefined()
    expect(fromBase64Url(Buffer.from([0xc3]).toString('base64url'))).toBeUndefined()
  })
})

describe('base64UrlBytes', () => {
  it('property: gives back any bytes from their unpadded base64url', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(base64UrlBytes(Buffer.from(bytes).toString('base64url'))).toEqual(new Uint8Array(bytes))
      }),
      { numRuns: 500 },
    )
  })

  it.each([
    ['a character of standard base64', 'ab+c'],
    ['padding', 'YQ=='],
    ['a length no encoding has', 'abcde'],
    ['a non-ASCII character', 'YWé'],
    ['whitespace', 'YW J'],
  ])('refuses %s', (_name, s) => {
    expect(base64UrlBytes(s)).toBeUndefined()
  })
})
