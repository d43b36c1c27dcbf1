import { describe, expect, it } from 'vitest'
import { sqlLimit } from './sql-limit.js'

describe('sqlLimit', () => {
  it.each([[0, 'LIMIT 0'], [51, 'LIMIT 51'], [200, 'LIMIT 200']])('%d', (n, sql) => expect(sqlLimit(n)).toBe(sql))
  it.each([-1, 1.5, NaN, Infinity, 2 ** 53])('refuses %d', (n) => expect(() => sqlLimit(n)).toThrow(RangeError))
})
