/**
 * Whether an IP address is public unicast, the only kind a did:web lookup may reach: not loopback,
 * private, link-local (cloud metadata lives at 169.254.169.254), CGNAT, multicast, reserved or
 * documentation space. IPv6 is an allowlist (global unicast 2000::/3, less its special blocks), so
 * unique-local, link-local, multicast, NAT64 and IPv4-compatible forms all fail; an IPv4-mapped
 * address (::ffff:a.b.c.d) is judged as its IPv4 address. Anything that does not parse is not public.
 */
export function isPublicAddress(address: string): boolean {
  const v4 = parseIpv4(address)
  if (v4 !== undefined) return isPublicIpv4(v4)
  const v6 = parseIpv6(address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address)
  return v6 !== undefined && isPublicIpv6(v6)
}

// [network, prefix length] of every IPv4 block that is not public unicast (IANA special-purpose registry).
const IPV4_NOT_PUBLIC: [number, number][] = [
  [ip4(0, 0, 0, 0), 8], // "this network", 0.0.0.0
  [ip4(10, 0, 0, 0), 8],
  [ip4(100, 64, 0, 0), 10], // CGNAT
  [ip4(127, 0, 0, 0), 8],
  [ip4(169, 254, 0, 0), 16], // link-local, cloud metadata
  [ip4(172, 16, 0, 0), 12],
  [ip4(192, 0, 0, 0), 24], // IETF protocol assignments
  [ip4(192, 0, 2, 0), 24], // documentation
  [ip4(192, 88, 99, 0), 24], // 6to4 relay anycast
  [ip4(192, 168, 0, 0), 16],
  [ip4(198, 18, 0, 0), 15], // benchmarking
  [ip4(198, 51, 100, 0), 24], // documentation
  [ip4(203, 0, 113, 0), 24], // documentation
  [ip4(224, 0, 0, 0), 4], // multicast
  [ip4(240, 0, 0, 0), 4], // reserved, broadcast
]

function ip4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0
}

function isPublicIpv4(ip: number): boolean {
  return !IPV4_NOT_PUBLIC.some(([net, bits]) => ip >>> (32 - bits) === net >>> (32 - bits))
}

function parseIpv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s)
  if (!m) return undefined
  const octets = m.slice(1).map(Number)
  // Leading zeros are octal to some parsers: an address written that way is not one we judge.
  if (octets.some((o, i) => o > 255 || (m[i + 1]!.length > 1 && m[i + 1]!.startsWith('0')))) return undefined
  return ip4(octets[0]!, octets[1]!, octets[2]!, octets[3]!)
}

function isPublicIpv6(g: number[]): boolean {
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return isPublicIpv4(((g[6]! << 16) | g[7]!) >>> 0)
  const [a = 0, b = 0] = g
  if ((a & 0xe000) !== 0x2000) return false // outside global unicast 2000::/3
  if (a === 0x2001 && b < 0x200) return false // 2001::/23 IETF protocol assignments (Teredo among them)
  if (a === 0x2001 && b === 0xdb8) return false // documentation
  if (a === 0x2002) return false // 6to4: carries any IPv4 address, private ones included
  if (a === 0x3fff && b < 0x1000) return false // documentation (RFC 9637)
  return true
}

/** Eight 16-bit groups, or undefined. A zone (`%eth0`) is refused: only link-local addresses have one. */
function parseIpv6(s: string): number[] | undefined {
  if (!/^[0-9a-f:.]+$/i.test(s)) return undefined
  let tail: number[] = []
  let text = s
  if (s.includes('.')) {
    // An embedded IPv4 address (::ffff:127.0.0.1) stands for the last two groups.
    const lastColon = s.lastIndexOf(':')
    const v4 = parseIpv4(s.slice(lastColon + 1))
    if (v4 === undefined || lastColon < 1) return undefined
    tail = [v4 >>> 16, v4 & 0xffff]
    text = s.endsWith('::', lastColon + 1) ? s.slice(0, lastColon + 1) : s.slice(0, lastColon)
  }
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const groups = (part: string | undefined) => (part ? part.split(':') : [])
  const head = groups(halves[0])
  const rest = groups(halves[1])
  if ([...head, ...rest].some((x) => !/^[0-9a-f]{1,4}$/i.test(x))) return undefined
  const known = head.length + rest.length + tail.length
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined
  const zeros = new Array<string>(8 - known).fill('0')
  return [...head, ...zeros, ...rest].map((x) => parseInt(x, 16)).concat(tail)
}
