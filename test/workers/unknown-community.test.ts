import { createMessageBatch, env, listDurableObjectIds, runInDurableObject } from 'cloudflare:test'
import { expect, it } from 'vitest'
import { NSID } from '../../src/core/nsid.js'
import worker from '../../src/workers/index.js'
import { postEvent, toJetstream } from '../support/events.js'
import { queryPath } from '../support/read-scenario.js'
import { feedPath } from '../support/scenario.js'

const get = async (path: string) => {
  const res = await worker.fetch(new Request(`https://feeds.example.com${path}`), env)
  return { status: res.status, body: (await res.json()) as any }
}

/** The tables an object's SQLite holds, and whether it armed an alarm: what it would be billed to store. */
const footprint = (id: DurableObjectId) =>
  runInDurableObject(env.COMMUNITY_FEED.get(id), async (_instance, state) => ({
    tables: state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name NOT LIKE '_cf_%'").toArray().length,
    alarm: await state.storage.getAlarm(),
  }))

it('anonymous requests for unknown community ids leave no Durable Object with storage behind', async () => {
  const ids = Array.from({ length: 31 }, (_, i) => (0x5eed0000 + i * 7919).toString(16).padStart(8, '0'))
  for (const id of ids) {
    expect(await get(feedPath(id))).toMatchObject({ status: 400, body: { error: 'UnknownFeed' } })
    expect(await get(queryPath(NSID.getCommunity, { community: id }))).toMatchObject({ status: 400, body: { error: 'UnknownCommunity' } })
    expect(await get(queryPath(NSID.getMembers, { community: id }))).toMatchObject({ status: 400, body: { error: 'UnknownCommunity' } })
  }
  // Local workerd keeps a file for every object that ran; in production, an object that wrote
  // nothing stores nothing. So every object these requests reached must hold no table and no alarm.
  const asked = new Set(ids.map((id) => env.COMMUNITY_FEED.idFromName(id).toString()))
  const reached = (await listDurableObjectIds(env.COMMUNITY_FEED)).filter((id) => asked.has(id.toString()))
  for (const id of reached) expect(await footprint(id)).toEqual({ tables: 0, alarm: null })
  // A post naming an unknown id does not make one either.
  const post = JSON.stringify(toJetstream(postEvent('did:plc:stranger', 'p1', `hello #atrarium_${ids[0]}`)))
  await worker.queue(createMessageBatch<string>('atrarium-firehose', [{ id: 'u0', timestamp: new Date(), attempts: 1, body: post }]) as MessageBatch<unknown>, env)
  expect(await footprint(env.COMMUNITY_FEED.idFromName(ids[0]!))).toEqual({ tables: 0, alarm: null })
})
