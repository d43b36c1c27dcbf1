import type { Reads } from '../api/read-routes.js'
import { hierarchyOf, listCommunities, storeTree } from '../core/community-tree.js'
import { ReadService } from '../core/read-service.js'
import { communityView } from '../core/read-views.js'
import { ok } from '../core/result.js'
import type { Store } from '../core/store.js'

/** The read queries in process, over the one index that holds every community. */
export function localReads(store: Store, minSortUs: () => number): Reads {
  const service = new ReadService({ store, minSortUs })
  const tree = storeTree(store)
  return {
    getCommunity(params) {
      const core = service.community(params)
      return core.ok ? ok(communityView(core.value, hierarchyOf(tree, core.value.uri))) : core
    },
    listCommunities: (params) => listCommunities(tree, params),
    getMembers: (params) => service.getMembers(params),
    getActions: (params) => service.getActions(params),
    getPosts: (params, viewer) => service.getPosts(params, viewer),
  }
}
