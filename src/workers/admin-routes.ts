import { Hono } from 'hono'
import { AuthRequiredError, ForbiddenError, InvalidRequestError, XrpcError } from '../api/xrpc-error.js'
import { NSID } from '../core/nsid.js'
import type { BackfillSource } from './backfill-coordinator.js'
import { settingsOf } from './settings.js'

const MAX_BODY_BYTES = 4096
const MAX_URL_LENGTH = 2048

const digest = async (s: string) => new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)))

/** Compares digests, so the time taken says nothing about how much of the token was right. */
async function tokenMatches(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(given), digest(expected)])
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

async function authorize(req: Request, env: Env): Promise<void> {
  const expected = settingsOf(env).adminToken
  if (!expected) throw new ForbiddenError('admin methods are off: set a token with `wrangler secret put ATRARIUM_ADMIN_TOKEN`')
  const header = req.headers.get('authorization') ?? ''
  if (!header.startsWith('Bearer ')) throw new AuthRequiredError('admin methods need Authorization: Bearer <ATRARIUM_ADMIN_TOKEN>')
  if (!(await tokenMatches(header.slice('Bearer '.length), expected))) throw new AuthRequiredError('wrong admin token', 'InvalidToken')
}

function safeUrl(s: string): URL | undefined {
  try {
    return new URL(s)
  } catch {
    return undefined
  }
}

function sourceOf(body: unknown): BackfillSource {
  const o = (body ?? {}) as Record<string, unknown>
  const keys = Object.keys(o)
  if (typeof body !== 'object' || body === null || keys.length !== 1 || !['relay', 'pds'].includes(keys[0]!)) {
    throw new InvalidRequestError('the body must be {"relay": "<https URL>"} or {"pds": "<https URL>"}')
  }
  const url = o[keys[0]!]
  const parsed = typeof url === 'string' && url.length <= MAX_URL_LENGTH ? safeUrl(url) : undefined
  if (typeof url !== 'string' || !parsed || !/^https?:$/.test(parsed.protocol)) {
    throw new InvalidRequestError(`${keys[0]} must be an http(s) URL of at most ${MAX_URL_LENGTH} characters`)
  }
  return keys[0] === 'relay' ? { relay: url } : { pds: url }
}

const coordinator = (env: Env) => env.BACKFILL_COORDINATOR.get(env.BACKFILL_COORDINATOR.idFromName('main'))

/**
 * The Workers host's admin methods, behind ATRARIUM_ADMIN_TOKEN (issue #13): start a backfill from
 * a relay or a PDS, and read its progress. The operator names the source; no requester can.
 */
export const adminRoutes = new Hono<{ Bindings: Env }>()
  .post(`/xrpc/${NSID.adminStartBackfill}`, async (c) => {
    await authorize(c.req.raw, c.env)
    const text = await c.req.text()
    if (text.length > MAX_BODY_BYTES) throw new InvalidRequestError(`the body is over ${MAX_BODY_BYTES} bytes`)
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      throw new InvalidRequestError('the body is not JSON')
    }
    const { started, status } = await coordinator(c.env).start(sourceOf(body))
    return c.json({ started, ...status }, started ? 202 : 409)
  })
  .get(`/xrpc/${NSID.adminGetBackfill}`, async (c) => {
    await authorize(c.req.raw, c.env)
    return c.json(await coordinator(c.env).status())
  })
  .onError((e) => (e instanceof XrpcError ? e : new XrpcError(500, 'InternalServerError', 'Internal Server Error')).toResponse())

export const isAdminPath = (path: string): boolean => path.startsWith('/xrpc/net.atrarium.admin.')
