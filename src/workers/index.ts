import { DurableObject } from 'cloudflare:workers'

export class CommunityFeedGenerator extends DurableObject {}

export default {
  async fetch(): Promise<Response> {
    return new Response('ok')
  },
} satisfies ExportedHandler
