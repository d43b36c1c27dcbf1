import { lookup } from 'node:dns/promises'
import type { HostLookup } from '../auth/did-web-resolver.js'

/**
 * Every address of a host name from the OS resolver: the pinned fetch's default, which refuses a
 * did:web name if any of them is a loopback, private or metadata address and connects only to them.
 */
export const dnsHostLookup: HostLookup = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address)
