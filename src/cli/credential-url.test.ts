import { describe, expect, it } from 'vitest'
import { checkCredentialUrl } from './credential-url.js'

describe('checkCredentialUrl', () => {
  it.each([
    ['https://pds.example.com', true],
    ['https://pds.example.com:8443/', true],
    ['http://localhost:2583', true],
    ['http://127.0.0.1:2583', true],
    ['http://[::1]:2583', true],
    ['http://LOCALHOST', true],
    ['http://pds.example.com', false],
    ['http://127.0.0.2:2583', false],
    ['http://localhost.example.com', false],
    ['http://127.0.0.1.nip.io', false],
    ['http://0.0.0.0', false],
    ['ftp://localhost', false],
    ['not a url', false],
  ])('%s → allowed %s', (url, allowed) => {
    const r = checkCredentialUrl(url)
    expect(r.ok).toBe(allowed)
    if (!r.ok) expect(r.error).toContain(url)
  })
})
