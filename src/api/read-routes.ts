import type { Context, Hono } from 'hono'
import type { ServiceAuthVerifier } from '../auth/service-auth-verifier.js'
import { NSID } from '../core/nsid.js'
import type {
  ActionView, CommunityPageParams, CommunityParams, CommunitySummary, CommunityView, ListCommunitiesParams, MemberView, Paged, PostView, ReadResult,
} from '../core/read-views.js'
import { optional, parseLimit, requireParam } from './params.js'
import { serviceAuth, type AppEnv } from './service-auth.js'
import { AuthRequiredError, ForbiddenError, InvalidRequestError } from './xrpc-error.js'

type Answer<T> = ReadResult<T> | Promise<ReadResult<T>>

/** The net.atrarium.* queries each host provides: in process on Node, by RPC to Durable Objects on Workers. */
export interface Reads {
  getCommunity(params: CommunityParams): Answer<CommunityView>
  listCommunities(params: ListCommunitiesParams): Answer<Paged<'communities', CommunitySummary>>
  getMembers(params: CommunityPageParams & { pending?: boolean }): Answer<Paged<'members', MemberView>>
  getActions(params: CommunityPageParams): Answer<Paged<'actions', ActionView>>
  /** `viewer` is the verified requester's DID; only the owner and moderators are served. */
  getPosts(params: CommunityPageParams, viewer: string): Answer<Paged<'posts', PostView>>
}

async function answer<T>(c: Context<AppEnv>, pending: Answer<T>): Promise<Response> {
  const result = await pending
  if (result.ok) return c.json(result.value as object)
  if (result.error.error === 'Forbidden') throw new ForbiddenError(result.error.message)
  throw new InvalidRequestError(result.error.message, result.error.error)
}

const pageParams = (c: Context<AppEnv>) => ({ limit: parseLimit(c.req.query('limit')), ...optional('cursor', c.req.query('cursor')) })
const communityPage = (c: Context<AppEnv>): CommunityPageParams => ({ community: requireParam(c.req.query('community'), 'community'), ...pageParams(c) })

/** getMembers' `status`: `members` (the default) or `pending`. */
function pendingParam(status: string | undefined): { pending?: true } {
  if (status === undefined || status === 'members') return {}
  if (status === 'pending') return { pending: true }
  throw new InvalidRequestError(`status must be members or pending (got ${JSON.stringify(status.slice(0, 40))})`)
}

export function registerReadRoutes(app: Hono<AppEnv>, reads: Reads, auth: ServiceAuthVerifier | undefined): void {
  const route = (nsid: string) => `/xrpc/${nsid}`
  app.get(route(NSID.getCommunity), (c) => answer(c, reads.getCommunity({ community: requireParam(c.req.query('community'), 'community') })))
  app.get(route(NSID.listCommunities), (c) => answer(c, reads.listCommunities({ ...pageParams(c), ...optional('owner', c.req.query('owner')), ...optional('q', c.req.query('q')) })))
  app.get(route(NSID.getMembers), (c) => answer(c, reads.getMembers({ ...communityPage(c), ...pendingParam(c.req.query('status')) })))
  app.get(route(NSID.getActions), (c) => answer(c, reads.getActions(communityPage(c))))
  app.use(route(NSID.getPosts), serviceAuth(auth, NSID.getPosts, { required: true }))
  app.get(route(NSID.getPosts), (c) => {
    const requester = c.get('requester')
    if (!requester) throw new AuthRequiredError(`${NSID.getPosts} requires a service JWT`)
    return answer(c, reads.getPosts(communityPage(c), requester.did))
  })
}
