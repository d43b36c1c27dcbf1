import { Worker } from 'node:worker_threads'

const ENTRY = new URL('./signature-worker.mjs', import.meta.url)
/** Checks sent in one message at most: a batch is what the event loop gathered in one turn. */
const MAX_BATCH = 256

/** What a check takes: the 64-byte signature, the message's SHA-256, the public key. */
export type SignatureItem = [signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array]

interface Batch {
  items: SignatureItem[]
  resolves: ((valid: boolean) => void)[]
}

/**
 * libsecp256k1 on a worker thread. The checks asked for in one turn of the event loop go in one
 * message, so the hop is paid per batch, not per check. Should the thread fail, the batches it held
 * and every later check run on the event loop with `checkHere`: nothing waits forever.
 */
export class SignatureWorker {
  #worker: Worker | undefined
  #failed = false
  #batch: Batch | undefined
  readonly #sent = new Map<number, Batch>()
  #next = 0

  constructor(private readonly checkHere: (item: SignatureItem) => boolean) {}

  verify(item: SignatureItem): Promise<boolean> {
    if (this.#failed) return Promise.resolve(this.checkHere(item))
    return new Promise((resolve) => {
      if (!this.#batch) {
        this.#batch = { items: [], resolves: [] }
        setImmediate(() => this.#flush())
      }
      this.#batch.items.push(item)
      this.#batch.resolves.push(resolve)
      if (this.#batch.items.length >= MAX_BATCH) this.#flush()
    })
  }

  async close(): Promise<void> {
    const worker = this.#worker
    this.#fail()
    await worker?.terminate()
  }

  #flush(): void {
    const batch = this.#batch
    if (!batch) return
    this.#batch = undefined
    if (this.#failed) return this.#answerHere(batch)
    const id = this.#next++
    this.#sent.set(id, batch)
    const worker = this.#thread()
    // Held while it owes answers, so a process waiting on them does not exit under it.
    worker.ref()
    worker.postMessage({ id, items: batch.items })
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker
    const worker = new Worker(ENTRY)
    worker.on('message', ({ id, valid }: { id: number; valid: boolean[] }) => {
      const batch = this.#sent.get(id)
      this.#sent.delete(id)
      if (this.#sent.size === 0) worker.unref()
      batch?.resolves.forEach((resolve, i) => resolve(valid[i] === true))
    })
    worker.on('error', () => this.#fail())
    worker.on('exit', () => this.#fail())
    // Idle, it keeps no process alive (close() ends it); unref'd after the listeners, which ref it again.
    worker.unref()
    this.#worker = worker
    return worker
  }

  #fail(): void {
    this.#failed = true
    this.#worker = undefined
    for (const batch of this.#sent.values()) this.#answerHere(batch)
    this.#sent.clear()
    if (this.#batch) this.#flush()
  }

  #answerHere(batch: Batch): void {
    batch.items.forEach((item, i) => batch.resolves[i]!(this.checkHere(item)))
  }
}
