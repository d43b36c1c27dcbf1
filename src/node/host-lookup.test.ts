import { describe, expect, it } from 'vitest'
import { isPublicAddress } from '../auth/public-address.js'
import { dnsHostLookup } from './host-lookup.js'

describe('dnsHostLookup', () => {
  it.each([
    ['localhost', ['127.0.0.1', '::1']],
    ['127.0.0.1', ['127.0.0.1']],
  ])('%s resolves to loopback only, which the did:web check refuses', async (host, loopback) => {
    const addresses = await dnsHostLookup(host)
    expect(addresses.length).toBeGreaterThan(0)
    for (const a of addresses) expect(loopback).toContain(a)
    expect(addresses.some(isPublicAddress)).toBe(false)
  })

  it('rejects a name that does not resolve', async () => {
    await expect(dnsHostLookup('no-such-host.invalid')).rejects.toThrow()
  })
})
