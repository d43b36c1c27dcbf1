import { readFileSync } from 'node:fs'
import { encode } from '@atcute/cbor'

/** The captured relay window: `[u32 LE length][websocket binary message]…`. */
export function readFrames(url: URL): Buffer[] {
  const all = readFileSync(url)
  const frames: Buffer[] = []
  for (let p = 0; p + 4 <= all.length; ) {
    const len = all.readUInt32LE(p)
    frames.push(all.subarray(p + 4, p + 4 + len))
    p += 4 + len
  }
  return frames
}

export const FIXTURES = new URL('../fixtures/firehose/', import.meta.url)
export const relayFrames = (): Buffer[] => readFrames(new URL('frames.bin', FIXTURES))
export const expectedJetstream = (): Record<string, any>[] =>
  readFileSync(new URL('expected_v1.jsonl', FIXTURES), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))

/** A hand-made subscribeRepos frame: DAG-CBOR header then DAG-CBOR body. */
export const encodeFrame = (header: object, body: object): Buffer => Buffer.concat([encode(header), encode(body)])
export const infoFrame = (name: string, message?: string) => encodeFrame({ op: 1, t: '#info' }, message ? { name, message } : { name })
export const errorFrame = (error: string, message?: string) => encodeFrame({ op: -1 }, message ? { error, message } : { error })
