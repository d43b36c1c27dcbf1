import { describe, expect, it } from 'vitest'
import { communityIdsOfPost, extractHashtags } from './hashtags.js'

const A = '0a1b2c3d'
const ids = ['00000001', '00000002', '00000003', '00000004', '00000005', '00000006', '00000007']

describe('extractHashtags', () => {
  it.each([
    ['#start of text', ['start']],
    ['mid #tag here', ['tag']],
    ['no#tag inside a word', []],
    ['trailing punct #tag!!!', ['tag']],
    ['ideographic comma #タグ、 next', ['タグ']],
    ['punctuation inside runs on #タグ、次', ['タグ、次']],
    ['newline\n#tag', ['tag']],
    ['only a hash # alone', []],
    ['punct only #!!!', []],
    ['zero width #tag\u200Bafter', ['tag']],
    ['fullwidth ＃tag', ['tag']],
    ['#a #b #a', ['a', 'b', 'a']],
  ])('%j → %j', (text, expected) => {
    expect(extractHashtags(text)).toEqual(expected)
  })
})

describe('communityIdsOfPost', () => {
  it.each<[string, string, string[], string[]]>([
    ['exact tag in text', `hello #atrarium_${A}`, [], [A]],
    ['tag at start', `#atrarium_${A} hello`, [], [A]],
    ['trailing punctuation stripped', `hi #atrarium_${A}、`, [], [A]],
    ['trailing ascii punctuation stripped', `hi #atrarium_${A}!`, [], [A]],
    ['runs on past the id (x)', `hi #atrarium_${A}x`, [], []],
    ['runs on past the id (é)', `hi #atrarium_${A}é`, [], []],
    ['longer hex run', `hi #atrarium_${A}0`, [], []],
    ['uppercase hex is not an id', `hi #atrarium_${A.toUpperCase()}`, [], []],
    ['not after whitespace', `hi x#atrarium_${A}`, [], []],
    ['tags field only', 'no tag in text', [`atrarium_${A}`], [A]],
    ['tags field needs exact value', 'x', [`atrarium_${A} `, `#atrarium_${A}`], []],
    ['text and tags deduplicated', `#atrarium_${A}`, [`atrarium_${A}`], [A]],
    [
      'more than five: first five in text order',
      ids.map((i) => `#atrarium_${i}`).join(' '),
      [],
      ids.slice(0, 5),
    ],
    [
      'text first, then tags, cap five',
      ids.slice(0, 3).map((i) => `#atrarium_${i}`).join(' '),
      ids.slice(3).map((i) => `atrarium_${i}`),
      ids.slice(0, 5),
    ],
    ['repeats do not count twice', `#atrarium_${A} #atrarium_${A}`, [], [A]],
  ])('%s', (_name, text, tags, expected) => {
    expect(communityIdsOfPost(text, tags)).toEqual(expected)
  })
})
