import { DurableObject } from 'cloudflare:workers'

export class CommunityFeedGenerator extends DurableObject<Env> {}
