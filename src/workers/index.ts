export { CommunityFeedGenerator } from './community-feed.js'
export { Directory } from './directory.js'
export { FirehoseReceiver } from './firehose-receiver.js'

export default {
  async fetch(): Promise<Response> {
    return new Response('ok')
  },
} satisfies ExportedHandler<Env>
