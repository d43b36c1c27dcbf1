import { describe, expect, it } from 'vitest'
import { healthProblems } from './health.js'

describe('healthProblems', () => {
  it.each([
    { name: 'connected, no lag known (a firehose)', stream: { connected: true }, want: [] },
    { name: 'connected and current', stream: { connected: true, lagSeconds: 2 }, want: [] },
    { name: 'lag exactly at the limit', stream: { connected: true, lagSeconds: 300 }, want: [] },
    { name: 'lag above the limit', stream: { connected: true, lagSeconds: 301.5 }, want: ['stream lag 301.5 s is above 300 s'] },
    { name: 'down, within a reconnect', stream: { connected: false, downForMs: 59_000 }, want: [] },
    { name: 'down for longer', stream: { connected: false, downForMs: 61_000 }, want: ['stream down for 61 s'] },
    { name: 'down and behind', stream: { connected: false, downForMs: 120_000, lagSeconds: 900 }, want: ['stream down for 120 s', 'stream lag 900 s is above 300 s'] },
  ])('$name', ({ stream, want }) => {
    expect(healthProblems(stream, 300)).toEqual(want)
  })
})
