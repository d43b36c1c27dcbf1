import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { expect } from 'vitest'
import type { RepoEvent } from '../../src/core/events.js'
import worker from '../../src/workers/index.js'
import { toJetstream } from '../support/events.js'

let seq = 0

/** Delivers events to the queue consumer as one batch, as Jetstream frames, and expects no retry. */
export async function deliverEvents(events: RepoEvent[], env: Env): Promise<void> {
  const batch = createMessageBatch<string>('atrarium-firehose', events.map((e) => ({ id: `d${seq++}`, timestamp: new Date(), attempts: 1, body: JSON.stringify(toJetstream(e)) })))
  const ctx = createExecutionContext()
  await worker.queue(batch as MessageBatch<unknown>, env)
  expect((await getQueueResult(batch, ctx)).retryMessages).toEqual([])
}

/** A GET through the Worker's fetch handler, its JSON body parsed. */
export async function getJson(path: string, env: Env): Promise<{ status: number; body: any }> {
  const res = await worker.fetch(new Request(`https://feeds.example.com${path}`), env)
  return { status: res.status, body: (await res.json()) as any }
}
