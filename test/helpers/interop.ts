/**
 * Loads the atproto interop vectors copied into test/fixtures/interop/ (CC0, see the LICENSE file
 * there). Tests never read /work/shared or the network.
 */
import { readFileSync } from 'node:fs'

const ROOT = new URL('../fixtures/interop/', import.meta.url)

/**
 * One value per line. Lines are NOT trimmed: some invalid vectors carry leading or trailing
 * spaces on purpose. Blank lines and `#` comments are skipped.
 */
export function syntaxVectors(name: string): string[] {
  const text = readFileSync(new URL(`syntax/${name}.txt`, ROOT), 'utf8')
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'))
}

export function interopJson<T>(relativePath: string): T {
  return JSON.parse(readFileSync(new URL(relativePath, ROOT), 'utf8')) as T
}
