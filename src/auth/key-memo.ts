/**
 * Imported public keys by their bytes. Importing costs as much as half a verification
 * (secp256k1 through node:crypto: ~0.5 ms to import, ~1 ms to verify), and the same few keys sign
 * request after request. Bounded: past `max`, the oldest key is forgotten. An import that failed
 * stays failed: it depends on nothing but the bytes.
 */
export class KeyMemo<V> {
  readonly #kept = new Map<string, V>()

  constructor(private readonly max = 10_000) {}

  get(kind: string, publicKeyBytes: Uint8Array, make: () => V): V {
    return this.getById(`${kind} ${String.fromCharCode(...publicKeyBytes)}`, make)
  }

  /** By a short text that names the key (a multibase string); the caller bounds its length. */
  getById(id: string, make: () => V): V {
    let value = this.#kept.get(id)
    if (value === undefined) {
      value = make()
      if (this.#kept.size >= this.max) this.#kept.delete(this.#kept.keys().next().value!)
      this.#kept.set(id, value)
    }
    return value
  }
}
