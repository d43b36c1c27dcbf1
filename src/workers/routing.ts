import { communityIdOf } from '../core/community-id.js'

/** Directory shards: enough to spread the per-post lookups, few enough to stay warm. */
export const DIRECTORY_SHARDS = 16
export const COMMUNITIES_DIRECTORY = 'communities'

/** The directory shard that routes a repo's records; keyed by DID so one repo stays on one shard. */
export function directoryShardOf(did: string): string {
  return `repo:${parseInt(communityIdOf(did), 16) % DIRECTORY_SHARDS}`
}

export const communityStub = (env: Env, id: string) => env.COMMUNITY_FEED.get(env.COMMUNITY_FEED.idFromName(id))
export const directoryStub = (env: Env, name: string) => env.DIRECTORY.get(env.DIRECTORY.idFromName(name))

/** Shards of the global recent-posts index; a feed's global source reads all of them. */
export const GLOBAL_SHARDS = 8
export const globalShardOf = (communityId: string): string => `global:${parseInt(communityId, 16) % GLOBAL_SHARDS}`
export const globalStub = (env: Env, name: string) => env.GLOBAL_POSTS.get(env.GLOBAL_POSTS.idFromName(name))
export const allGlobalShards = (env: Env) => Array.from({ length: GLOBAL_SHARDS }, (_, i) => globalStub(env, `global:${i}`))
