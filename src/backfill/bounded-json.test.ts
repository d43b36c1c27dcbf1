import { describe, expect, it } from 'vitest'
import { boundedJson } from './bounded-json.js'

/** A response whose body arrives in chunks, as from a socket. */
const chunked = (parts: string[]) =>
  new Response(new ReadableStream<Uint8Array>({
    start(c) {
      for (const p of parts) c.enqueue(new TextEncoder().encode(p))
      c.close()
    },
  }))

describe('boundedJson', () => {
  it.each([
    { name: 'a body in one chunk', res: () => chunked(['{"records":[1,2]}']), max: 100, want: { records: [1, 2] } },
    { name: 'a body in several chunks, multi-byte text split across them', res: () => chunked(['{"t":"h', 'é', 'llo"}']), max: 100, want: { t: 'héllo' } },
    { name: 'exactly at the cap', res: () => chunked(['[1]']), max: 3, want: [1] },
    { name: 'no body', res: () => new Response(null), max: 10, want: null },
  ])('parses $name', async ({ res, max, want }) => {
    expect(await boundedJson(res(), max)).toEqual(want)
  })

  it.each([
    { name: 'one byte over the cap', parts: ['[10]'], max: 3, error: /over 3 bytes/ },
    { name: 'an endless-looking body, cut at the cap', parts: Array(100).fill('x'.repeat(1000)), max: 10_000, error: /over 10000 bytes/ },
    { name: 'not JSON', parts: ['<html>'], max: 100, error: /JSON/ },
  ])('refuses $name', async ({ parts, max, error }) => {
    await expect(boundedJson(chunked(parts), max)).rejects.toThrow(error)
  })
})
