/**
 * The project's lexicon documents (lexicons/**.json are the single source of truth) and the one
 * compiled `Lexicons` collection used to validate records against them.
 */
import { Lexicons, parseLexiconDoc, type LexiconDoc } from '@atproto/lexicon'
import configDoc from '../../lexicons/net/atrarium/community/config.json' with { type: 'json' }
import membershipDoc from '../../lexicons/net/atrarium/community/membership.json' with { type: 'json' }
import actionDoc from '../../lexicons/net/atrarium/moderation/action.json' with { type: 'json' }
import defsDoc from '../../lexicons/net/atrarium/community/defs.json' with { type: 'json' }
import getCommunityDoc from '../../lexicons/net/atrarium/community/getCommunity.json' with { type: 'json' }
import getMembersDoc from '../../lexicons/net/atrarium/community/getMembers.json' with { type: 'json' }
import getPostsDoc from '../../lexicons/net/atrarium/community/getPosts.json' with { type: 'json' }
import listCommunitiesDoc from '../../lexicons/net/atrarium/community/listCommunities.json' with { type: 'json' }
import getActionsDoc from '../../lexicons/net/atrarium/moderation/getActions.json' with { type: 'json' }

/**
 * Each document goes through the lexicon schema parser here, because `new Lexicons(...)` itself
 * does not check document structure: a malformed document fails at import time, not at first use.
 */
export const LEXICON_DOCS: readonly LexiconDoc[] = Object.freeze(
  [configDoc, membershipDoc, actionDoc, defsDoc, getCommunityDoc, listCommunitiesDoc, getMembersDoc, getPostsDoc, getActionsDoc].map((doc) => parseLexiconDoc(doc)),
)

/**
 * `Lexicons#add` rewrites `ref`s in place (`#feedMix` → `lex:…#feedMix`), so it gets copies and
 * LEXICON_DOCS stays as written on disk.
 */
export const lexicons = new Lexicons(LEXICON_DOCS.map((doc) => structuredClone(doc)))
