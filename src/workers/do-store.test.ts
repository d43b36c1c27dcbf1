import { env, runInDurableObject } from 'cloudflare:test'
import { SqlStore } from '../store/sql-store.js'
import { describeStore } from '../store/store-suite.js'
import { DoSqlDriver } from './do-sql-driver.js'

let n = 0
describeStore('Durable Object SQL', async (body) => {
  const stub = env.COMMUNITY_FEED.get(env.COMMUNITY_FEED.idFromName(`store-suite-${n++}`))
  // As the community objects open it: without the index of all posts by time.
  await runInDurableObject(stub, (_instance, state) => body(new SqlStore(new DoSqlDriver(state.storage), { globalIndex: false })))
})
