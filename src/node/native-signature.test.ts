import { Secp256k1PrivateKeyExportable } from '@atcute/crypto'
import { describe, expect, it } from 'vitest'
import { hostSignatureCheck } from './native-signature.js'

describe('hostSignatureCheck', () => {
  // The host picks the worker where it has cores to spare; both must judge alike.
  it.each([
    [true, 'worker', false],
    [false, 'event loop', true],
  ] as const)('worker %s: libsecp256k1 on the %s, judging alike', async (worker, thread, synchronous) => {
    const host = hostSignatureCheck({ worker })
    try {
      expect({ library: host.library, thread: host.thread, synchronous: host.checkNow !== undefined }).toEqual({ library: 'libsecp256k1', thread, synchronous })
      const key = await Secp256k1PrivateKeyExportable.createKeypair()
      const material = { type: 'Multikey', publicKeyMultibase: await key.exportPublicKey('multikey') }
      const message = new TextEncoder().encode('header.payload')
      const signature = await key.sign(message)
      const other = await key.sign(new TextEncoder().encode('header.other'))
      expect(await Promise.all([
        host.check(material, 'ES256K', message, signature),
        host.check(material, 'ES256K', message, other),
        host.check(material, 'ES256', message, signature),
        host.check(material, 'ES256K', message, signature.slice(0, 63)),
      ])).toEqual([true, false, false, false])
    } finally {
      await host.close()
    }
  })
})
