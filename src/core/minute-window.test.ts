import { describe, expect, it } from 'vitest'
import { MinuteWindow } from './minute-window.js'

describe('MinuteWindow', () => {
  it.each([
    { name: 'nothing added', adds: [], at: 1_000_000, want: 0 },
    { name: 'adds within the minute', adds: [[1_000_000, 3], [1_030_000, 2], [1_059_999, 1]], at: 1_059_999, want: 6 },
    { name: 'a bucket older than a minute no longer counts', adds: [[1_000_000, 3], [1_030_000, 2]], at: 1_060_000, want: 2 },
    { name: 'a bucket reused a minute later starts from zero', adds: [[1_000_000, 3], [1_060_000, 5]], at: 1_060_500, want: 5 },
    { name: 'all gone after two quiet minutes', adds: [[1_000_000, 3]], at: 1_120_000, want: 0 },
  ] as { name: string; adds: [number, number][]; at: number; want: number }[])('$name', ({ adds, at, want }) => {
    const w = new MinuteWindow<'frames'>()
    for (const [t, n] of adds) w.add('frames', n, t)
    expect(w.total('frames', at)).toBe(want)
  })

  it('keeps keys apart, and a bucket reset for one key resets it for the others', () => {
    const w = new MinuteWindow<'a' | 'b'>()
    w.add('a', 1, 5_000)
    w.add('b', 2, 5_000)
    w.add('a', 4, 65_000)
    expect([w.total('a', 65_000), w.total('b', 65_000)]).toEqual([4, 0])
  })
})
