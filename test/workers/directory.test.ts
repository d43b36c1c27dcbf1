import { env, runInDurableObject } from 'cloudflare:test'
import { expect, it } from 'vitest'
import { Directory } from '../../src/workers/directory.js'

const row = (uri: string, id: string, owner: string) => ({ uri, id, owner, name: `n ${uri}`, stage: 'theme' })

it('the communities directory keeps a tree written with a unique id, and then takes communities that share an id', async () => {
  const stub = env.DIRECTORY.get(env.DIRECTORY.idFromName('legacy-tree'))
  await runInDurableObject(stub, (_instance, state) => {
    // The table as the first-claimant version left it.
    state.storage.sql.exec(`DROP TABLE communities_by_uri;
      CREATE TABLE community_tree (uri TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, owner TEXT NOT NULL, name TEXT NOT NULL, stage TEXT NOT NULL, parent TEXT)`)
    const old = row('at://did:plc:a/net.atrarium.community.config/a', 'aaaaaaaa', 'did:plc:a')
    state.storage.sql.exec('INSERT INTO community_tree VALUES (?, ?, ?, ?, ?, NULL)', old.uri, old.id, old.owner, old.name, old.stage)
    // The next start of the object migrates it.
    const directory = new Directory(state, env)
    const collider = { ...row('at://did:plc:m/net.atrarium.community.config/m', 'aaaaaaaa', 'did:plc:m'), stage: 'theme' as const }
    directory.setCommunity(collider.uri, collider)
    const page = directory.listCommunityPage({ limit: 10 })
    expect(page.ok && page.value.communities.map((c) => c.uri)).toEqual([old.uri, collider.uri])
    expect(directory.ownedBy('did:plc:a')).toEqual(['aaaaaaaa'])
    expect(state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'community_tree'").toArray()).toEqual([])
  })
})
