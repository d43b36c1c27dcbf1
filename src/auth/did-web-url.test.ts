import { describe, expect, it } from 'vitest'
import { didWebUrl } from './did-web-url.js'

describe('didWebUrl', () => {
  it.each([
    ['did:web:example.com', 'https://example.com/.well-known/did.json'],
    ['did:web:feeds.example.com', 'https://feeds.example.com/.well-known/did.json'],
    ['did:web:Example.COM', 'https://example.com/.well-known/did.json'],
    ['did:web:xn--bcher-kva.example', 'https://xn--bcher-kva.example/.well-known/did.json'],
    ['did:web:1.1.1.1', 'https://1.1.1.1/.well-known/did.json'],
  ])('%s → %s', (did, url) => {
    expect(didWebUrl(did)).toEqual({ ok: true, value: new URL(url) })
  })

  it.each([
    ['did:web:127.0.0.1%3A8080', 'a port'],
    ['did:web:example.com%3A443', 'the default port, spelled out'],
    ['did:web:example.com:user:alice', 'a path'],
    ['did:web:example.com%2Fadmin', 'an encoded /'],
    ['did:web:example.com%3Fx=1', 'an encoded ?'],
    ['did:web:example.com%23frag', 'an encoded #'],
    ['did:web:user%40example.com', 'an encoded @'],
    ['did:web:%65xample.com', 'any percent-encoding'],
    ['did:web:example.com.', 'a trailing dot'],
    ['did:web:intranet', 'a single label'],
    ['did:web:localhost', 'localhost'],
    ['did:web:app.localhost', 'a .localhost name'],
    ['did:web:printer.local', 'an mDNS name'],
    ['did:web:metadata.google.internal', 'an .internal name'],
    ['did:web:127.0.0.1', 'loopback'],
    ['did:web:169.254.169.254', 'link-local metadata'],
    ['did:web:10.0.0.1', 'private'],
    ['did:web:100.64.0.1', 'CGNAT'],
    ['did:web:0.0.0.0', 'unspecified'],
    ['did:web:127.1', 'a short loopback form'],
    ['did:web:0x7f.1', 'a hex loopback form'],
    ['did:web:0177.0.0.1', 'an octal loopback form'],
    ['did:web:%5B::1%5D', 'an IPv6 literal'],
    ['did:web:-bad.example.com', 'a label starting with a hyphen'],
    ['did:plc:abc', 'another method'],
  ])('refuses %s (%s)', (did) => {
    const r = didWebUrl(did)
    expect(r.ok).toBe(false)
  })

  it.each([
    ['did:web:127.0.0.1%3A8080', 'http://127.0.0.1:8080/.well-known/did.json'],
    ['did:web:localhost', 'http://localhost/.well-known/did.json'],
  ])('with allowLocal (tests only), %s → %s', (did, url) => {
    expect(didWebUrl(did, { allowLocal: true })).toEqual({ ok: true, value: new URL(url) })
  })

  it.each(['did:web:127.0.0.1%2Fx', 'did:web:127.0.0.1%3A80%2Fx', 'did:web:a.example:path', 'did:web:127.0.0.1%3A99999'])(
    'allowLocal still refuses %s',
    (did) => {
      expect(didWebUrl(did, { allowLocal: true }).ok).toBe(false)
    },
  )
})
