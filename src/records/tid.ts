/**
 * Record keys for new records: atproto TIDs (13 base32-sortable characters, 53 bits of
 * microseconds then 10 bits of clock id). @atproto/syntax 0.5 only validates TIDs and
 * @atproto/common-web is not a direct dependency, so the generator lives here.
 */
const S32 = '234567abcdefghijklmnopqrstuvwxyz'
const CLOCK_ID = Math.floor(Math.random() * 1024)
let lastUs = 0

function encode(value: number, width: number): string {
  let out = ''
  let v = value
  for (let i = 0; i < width; i++) {
    out = S32[v % 32]! + out
    v = Math.floor(v / 32)
  }
  return out
}

/** A TID strictly greater than any this process handed out before, even within one microsecond. */
export function nextTid(nowUs: number = Date.now() * 1000): string {
  lastUs = Math.max(nowUs, lastUs + 1)
  return encode(lastUs, 11) + encode(CLOCK_ID, 2)
}

/** The microseconds a TID was minted at; undefined for a record key that is not a TID. */
export function tidTimeUs(rkey: string): number | undefined {
  if (!/^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/.test(rkey)) return undefined
  let us = 0
  for (const ch of rkey.slice(0, 11)) us = us * 32 + S32.indexOf(ch)
  return us
}
