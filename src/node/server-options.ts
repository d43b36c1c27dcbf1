import type { ServerOptions } from 'node:http'

/**
 * node:http options for the Node host. Feed requests come from a few callers that hold
 * connections open and reuse them (the AppView, or a proxy in front of us): a new TCP connection
 * per request would cost more than the request itself.
 */
export const SERVER_OPTIONS: ServerOptions = {
  // Idle connections stay open longer than the 60 s idle timeout common to proxies and load
  // balancers, so the peer is the one to close them. Were we to close one first (Node's default
  // is 5 s), a request the peer sent on it at that moment would fail: the classic sporadic 502.
  keepAliveTimeout: 65_000,
  // Node's advice is headersTimeout above keepAliveTimeout, so no idle keep-alive connection is
  // cut by the header timer; still bounded, so a client cannot trickle headers forever.
  headersTimeout: 66_000,
  // A response is written once, whole: nothing gains from Nagle holding it back.
  noDelay: true,
  // TCP keep-alive probes find peers that vanished without a FIN, instead of holding their
  // sockets for the whole keepAliveTimeout.
  keepAlive: true,
  keepAliveInitialDelay: 30_000,
}
