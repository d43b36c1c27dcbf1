import { lookup } from 'node:dns/promises'
import type { HostLookup } from '../auth/did-web-resolver.js'

/**
 * Every address of a host name from the OS resolver, the one Node's fetch connects through, so the
 * verifier can refuse a did:web name that points at a loopback, private or metadata address.
 */
export const dnsHostLookup: HostLookup = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address)
