import { expect, it } from 'vitest'
import { parsePrometheusText } from '../../test/support/prometheus-text.js'
import { type MetricFamily, prometheusText } from './prometheus-text.js'

it.each<{ name: string; family: MetricFamily; series: Record<string, number> }>([
  { name: 'a plain counter', family: { name: 'a_total', help: 'A.', type: 'counter', samples: [{ value: 3 }] }, series: { a_total: 3 } },
  { name: 'NaN and infinities as the format spells them', family: { name: 'g', help: 'G.', type: 'gauge', samples: [{ labels: { k: 'nan' }, value: NaN }, { labels: { k: 'inf' }, value: -Infinity }] }, series: { 'g{k="nan"}': NaN, 'g{k="inf"}': -Infinity } },
  { name: 'labels escaped', family: { name: 'l', help: 'back\\slash\nnewline', type: 'gauge', samples: [{ labels: { v: 'a"b\\c\nd', w: '' }, value: 1 }] }, series: { 'l{v="a\\"b\\\\c\\nd",w=""}': 1 } },
])('writes what a strict reader accepts: $name', ({ family, series }) => {
  const text = prometheusText([family])
  expect(text).toMatch(/\n$/)
  const parsed = parsePrometheusText(text)
  expect(parsed.types.get(family.name)).toBe(family.type)
  expect(Object.fromEntries(parsed.series)).toEqual(series)
})

it.each([
  ['a sample before its TYPE', 'x 1\n'],
  ['a bad value', '# TYPE x gauge\nx one\n'],
  ['a series twice', '# TYPE x gauge\nx 1\nx 2\n'],
  ['an unquoted label', '# TYPE x gauge\nx{a=b} 1\n'],
  ['no final newline', '# TYPE x gauge\nx 1'],
])('the reader refuses %s', (_, text) => {
  expect(() => parsePrometheusText(text)).toThrow()
})
