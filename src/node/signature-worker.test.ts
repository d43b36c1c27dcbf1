import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { loadLibsecp256k1 } from './native-signature.js'
import { SignatureWorker, type SignatureItem } from './signature-worker.js'

interface Signing {
  ecdsaSign(digest: Uint8Array, key: Uint8Array): { signature: Uint8Array }
  publicKeyCreate(key: Uint8Array, compressed: boolean): Uint8Array
  ecdsaVerify(signature: Uint8Array, digest: Uint8Array, key: Uint8Array): boolean
}
const lib = loadLibsecp256k1() as unknown as Signing | undefined
if (!lib) throw new Error('libsecp256k1 (the secp256k1 package\'s prebuilt addon) did not load')

const secret = Uint8Array.from(createHash('sha256').update('signature-worker test key').digest())
const publicKey = lib.publicKeyCreate(secret, false)
/** `n` items, every third one with a signature of another message. */
const items = (n: number): { item: SignatureItem; valid: boolean }[] =>
  Array.from({ length: n }, (_, i) => {
    const digest = Uint8Array.from(createHash('sha256').update(`message ${i}`).digest())
    const valid = i % 3 !== 0
    const signed = valid ? digest : Uint8Array.from(randomBytes(32))
    return { item: [lib.ecdsaSign(signed, secret).signature, digest, publicKey], valid }
  })

let worker: SignatureWorker | undefined
afterEach(() => worker?.close())

describe('SignatureWorker', () => {
  it.each([1, 40, 600])('answers %i checks asked in one turn, each as libsecp256k1 does, none on the event loop', async (n) => {
    let here = 0
    worker = new SignatureWorker(() => (here++, false))
    const cases = items(n)
    expect(await Promise.all(cases.map((c) => worker!.verify(c.item)))).toEqual(cases.map((c) => c.valid))
    expect(here).toBe(0)
  })

  it('answers the checks it holds, and every later one, on the event loop once closed', async () => {
    let here = 0
    worker = new SignatureWorker((item) => (here++, lib.ecdsaVerify(...item)))
    const cases = items(10)
    expect(await Promise.all(cases.map((c) => worker!.verify(c.item)))).toEqual(cases.map((c) => c.valid))
    const held = cases.map((c) => worker!.verify(c.item))
    await worker.close()
    expect(await Promise.all(held)).toEqual(cases.map((c) => c.valid))
    expect(await worker.verify(cases[1]!.item)).toBe(true)
    expect(here).toBe(11)
  })

  it('neither lets a process exit while it owes an answer nor keeps it alive once idle, unclosed', async () => {
    const script = fileURLToPath(new URL('../../test/fixtures/signature-worker-unclosed.ts', import.meta.url))
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', script], { timeout: 30_000 }, (_e, out) => resolve({ code: child.exitCode, stdout: out }))
    })
    expect({ code, stdout: stdout.trim() }).toEqual({ code: 0, stdout: 'true' })
  })
})
