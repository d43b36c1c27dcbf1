import { AtpAgent } from '@atproto/api'
import { TestNetworkNoAppView } from '@atproto/dev-env'

export interface TestUser {
  did: string
  handle: string
  agent: AtpAgent
}

export const PASSWORD = 'hunter22'

/** A real PDS and PLC from @atproto/dev-env, on localhost ports, with signed-in test accounts. */
export async function devNetwork(names: string[]) {
  const net = await TestNetworkNoAppView.create({})
  const users: Record<string, TestUser> = {}
  for (const name of names) {
    const handle = `${name}.test`
    const res = await net.pds.getClient().createAccount({ handle, email: `${name}@test.com`, password: PASSWORD })
    const agent = new AtpAgent({ service: net.pds.url })
    await agent.login({ identifier: handle, password: PASSWORD })
    users[name] = { did: res.data.did, handle, agent }
  }
  const env = { ATRARIUM_PLC_URL: net.plc.url }
  /** Sign-in flags for a test user (the account password serves as the app password). */
  const as = (name: string) => ['--handle', `${name}.test`, '--password', PASSWORD, '--pds', net.pds.url]
  return { net, users, env, as, pdsUrl: net.pds.url, close: () => net.close() }
}
