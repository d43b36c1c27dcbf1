import { describe, expect, it } from 'vitest'
import { Watermark } from './watermark.js'

type Step = ['skip' | 'through', number | undefined] | ['current'] | ['reset']

describe('Watermark', () => {
  it.each<[string, Step[], (number | undefined)[]]>([
    ['nothing seen', [['current']], [undefined]],
    ['a skipped frame is read when asked', [['skip', 5], ['current']], [5]],
    ['only the latest skipped frame is read', [['skip', 9], ['skip', 5], ['current']], [5]],
    ['never moves back', [['through', 9], ['skip', 5], ['current'], ['through', 7]], [9, 9, 9]],
    ['a frame to process counts itself and what was skipped before it', [['skip', 3], ['through', 4], ['skip', 8], ['current']], [4, 8]],
    ['a frame without a cursor changes nothing', [['through', 4], ['skip', undefined], ['current']], [4, 4]],
    ['reset forgets the value and the unread frame', [['through', 4], ['skip', 6], ['reset'], ['current'], ['through', 2]], [4, undefined, 2]],
  ])('%s', (_, steps, expected) => {
    const reads: (number | undefined)[] = []
    const w = new Watermark<number | undefined>((raw) => raw)
    for (const step of steps) {
      if (step[0] === 'skip') w.skip(step[1])
      else if (step[0] === 'through') reads.push(w.through(step[1]))
      else if (step[0] === 'current') reads.push(w.current())
      else w.reset()
    }
    expect(reads).toEqual(expected)
  })

  it('reads no cursor for skipped frames until asked', () => {
    let reads = 0
    const w = new Watermark<number>((raw) => (reads++, raw))
    for (let i = 1; i <= 1000; i++) w.skip(i)
    expect(reads).toBe(0)
    expect([w.current(), w.current(), reads]).toEqual([1000, 1000, 1])
  })
})
