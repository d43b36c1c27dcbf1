// A worker thread that checks secp256k1 signatures with libsecp256k1 (the `secp256k1` package's
// prebuilt addon), a batch per message: the event loop then spends a request's time on the request,
// and the checks run on another core. Each item is [signature, sha-256 digest, public key].
import { createRequire } from 'node:module'
import { parentPort } from 'node:worker_threads'

const lib = createRequire(import.meta.url)('secp256k1/bindings')

const check = ([signature, digest, key]) => {
  try {
    return lib.ecdsaVerify(signature, digest, key)
  } catch {
    return false
  }
}

parentPort.on('message', ({ id, items }) => {
  parentPort.postMessage({ id, valid: items.map(check) })
})
