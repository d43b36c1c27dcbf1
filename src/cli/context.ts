import { AtpAgent } from '@atproto/api'
import { err, ok, type Result } from '../core/result.js'
import { str, urlOption, type Values } from './args.js'
import { checkCredentialUrl } from './credential-url.js'
import { createIdentity, DEFAULT_PLC_URL, type Identity } from './identity.js'
import { askHidden, type PromptInput } from './prompt.js'
import { errorMessage } from './xrpc-error.js'

export type Env = Record<string, string | undefined>

export interface Session {
  agent: AtpAgent
  did: string
  handle: string
  pds: string
}

/** What every command may need, created lazily so read-only commands never sign in. */
export class CliContext {
  private session?: Session

  private constructor(
    readonly identity: Identity,
    readonly pdsUrl: string | undefined,
    readonly plcUrl: string,
    private readonly values: Values,
    readonly env: Env,
    readonly stderr: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly stdin: PromptInput | undefined,
  ) {}

  static create(
    values: Values,
    env: Env,
    stderr: NodeJS.WritableStream & { isTTY?: boolean },
    stdin?: PromptInput,
  ): Result<CliContext> {
    const pds = urlOption(values, 'pds')
    if (!pds.ok) return pds
    const plc = urlOption({ plc: str(values, 'plc') ?? (env.ATRARIUM_PLC_URL || undefined) }, 'plc')
    if (!plc.ok) return plc
    const plcUrl = plc.value ?? DEFAULT_PLC_URL
    const identity = createIdentity({ plcUrl, ...(pds.value ? { pdsUrl: pds.value } : {}) })
    return ok(new CliContext(identity, pds.value, plcUrl, values, env, stderr, stdin))
  }

  /**
   * Signs in with an app password at the user's PDS (given, or found from the handle). The password
   * is asked for on the terminal when neither --password nor the environment gives it, and is only
   * ever sent over https (or plain http to this machine).
   */
  async signIn(): Promise<Result<Session>> {
    if (this.session) return ok(this.session)
    const handle = str(this.values, 'handle') ?? (this.env.ATRARIUM_HANDLE || undefined)
    if (!handle) return err('this command needs sign-in: give --handle (or ATRARIUM_HANDLE)')
    let password = str(this.values, 'password') ?? (this.env.ATRARIUM_APP_PASSWORD || undefined)
    const terminal = this.stdin?.isTTY ? this.stdin : undefined
    if (!password && !terminal) {
      return err('this command needs an app password and stdin is not a terminal to ask for one: set ATRARIUM_APP_PASSWORD (or give --password)')
    }
    let pds = this.pdsUrl
    if (!pds) {
      const did = await this.identity.didOf(handle)
      if (!did.ok) return did
      const found = await this.identity.pdsOf(did.value)
      if (!found.ok) return found
      pds = found.value
    }
    // Before asking: a password typed for a PDS it will not be sent to would be asked for nothing.
    const safe = checkCredentialUrl(pds)
    if (!safe.ok) return safe
    if (!password) {
      const asked = await askHidden(`App password for ${handle}: `, terminal!, this.stderr)
      if (!asked.ok) return asked
      if (!asked.value) return err('no app password given')
      password = asked.value
    }
    const agent = new AtpAgent({ service: pds })
    try {
      const res = await agent.login({ identifier: handle.replace(/^@/, ''), password })
      this.session = { agent, did: res.data.did, handle: res.data.handle, pds }
      return ok(this.session)
    } catch (e) {
      return err(`sign-in as ${handle} at ${pds} failed: ${errorMessage(e)}`)
    }
  }

  /** An agent that can read `did`'s repo: the session's when it is the user's own, else its PDS. */
  async readerFor(did: string): Promise<Result<AtpAgent>> {
    if (this.session?.did === did) return ok(this.session.agent)
    const pds = await this.identity.pdsOf(did)
    if (!pds.ok) return pds
    return ok(new AtpAgent({ service: pds.value }))
  }
}
