import { DurableObject } from 'cloudflare:workers'

/** Follows Jetstream and sends stage-1 survivors to the queue (built in its own change). */
export class FirehoseReceiver extends DurableObject<Env> {}
