import { verifyJwtSignature, type JwtSignatureCheck } from '../../src/auth/jwt-signature.js'
import { loadLibsecp256k1, nativeJwtSignature, workerJwtSignature } from '../../src/node/native-signature.js'
import { SignatureWorker } from '../../src/node/signature-worker.js'
import { pooledJwtSignature } from '../../src/node/pooled-signature.js'

const lib = loadLibsecp256k1()
// Where its prebuilt binary should load (CI's linux-x64), a missing one is a failure, not a skip.
if (!lib) throw new Error('libsecp256k1 (the secp256k1 package\'s prebuilt addon) did not load')

/** The worker thread behind the worker-thread check; a suite using the list closes it when done. */
export const SIGNATURE_WORKER = new SignatureWorker(() => {
  throw new Error('the signature worker failed: the check would have run on the event loop')
})

/** Every signature check a host offers: each must keep the same rules. */
export const SIGNATURE_CHECKS: [string, JwtSignatureCheck][] = [
  ['@atcute/crypto (every host; the Workers one)', verifyJwtSignature],
  ['OpenSSL on the thread pool (Node, where libsecp256k1 does not load)', pooledJwtSignature],
  // Built on nativeSignatureNow, the synchronous check of a one-core Node host's requests.
  ['libsecp256k1 (Node)', nativeJwtSignature(lib)],
  ['libsecp256k1 on a worker thread (Node, more than one core)', workerJwtSignature(lib, SIGNATURE_WORKER)],
]
