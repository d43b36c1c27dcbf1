import { describe, expect, it } from 'vitest'
import { parseBearerToken } from './bearer-token.js'
import { parseServiceJwt } from './service-jwt.js'

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')
const header = b64({ typ: 'JWT', alg: 'ES256K' })
const claims = { iss: 'did:plc:alice', aud: 'did:web:feeds.example.com', exp: 1_800_000_000, lxm: 'app.bsky.feed.getFeedSkeleton' }
const jwt = (payload: unknown, h = header) => `${h}.${b64(payload)}.c2ln`

describe('parseServiceJwt', () => {
  it('decodes the claims and keeps the signed bytes exactly as sent', () => {
    const token = jwt(claims)
    const r = parseServiceJwt(token)
    expect(r).toMatchObject({ ok: true, value: { alg: 'ES256K', ...claims } })
    if (r.ok) {
      expect(new TextDecoder().decode(r.value.message)).toBe(token.slice(0, token.lastIndexOf('.')))
      expect(new TextDecoder().decode(r.value.signature)).toBe('sig')
    }
  })

  it.each([
    ['two parts', `${header}.${b64(claims)}`, 'BadJwt'],
    ['four parts', `${jwt(claims)}.x`, 'BadJwt'],
    ['standard base64 characters', `${header}.${b64(claims)}+/.c2ln`, 'BadJwt'],
    ['a payload that is an array', jwt([claims]), 'BadJwt'],
    ['a header without alg', jwt(claims, b64({ typ: 'JWT' })), 'BadJwt'],
    ['exp as a string', jwt({ ...claims, exp: '1800000000' }), 'BadJwt'],
    ['no aud', jwt({ ...claims, aud: undefined }), 'BadJwt'],
    ['lxm not a string', jwt({ ...claims, lxm: 1 }), 'BadJwt'],
    ['invalid UTF-8', `${header}.${Buffer.from([0xff, 0xfe]).toString('base64url')}.c2ln`, 'BadJwt'],
    ['a refresh token', jwt(claims, b64({ typ: 'refresh+jwt', alg: 'ES256K' })), 'BadJwtType'],
    ['a DPoP proof', jwt(claims, b64({ typ: 'dpop+jwt', alg: 'ES256K' })), 'BadJwtType'],
    ['an iss that is a handle', jwt({ ...claims, iss: 'alice.test' }), 'BadJwtIss'],
    ['an iss with an empty fragment', jwt({ ...claims, iss: 'did:plc:alice#' }), 'BadJwtIss'],
    ['an iss with two fragments', jwt({ ...claims, iss: 'did:plc:alice#a#b' }), 'BadJwtIss'],
  ])('refuses %s', (_name, token, error) => {
    expect(parseServiceJwt(token)).toMatchObject({ ok: false, error: { error } })
  })
})

describe('parseBearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc.def.ghi', 'abc.def.ghi'],
    ['Bearer  abc.def.ghi ', 'abc.def.ghi'],
  ])('reads %j', (header, token) => {
    expect(parseBearerToken(header)).toEqual({ ok: true, value: token })
  })

  it.each(['', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer a b', 'Token abc', 'Bearerabc'])('refuses %j as InvalidToken', (header) => {
    expect(parseBearerToken(header)).toMatchObject({ ok: false, error: { error: 'InvalidToken' } })
  })
})
