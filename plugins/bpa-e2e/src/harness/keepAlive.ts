import type { Server } from 'node:http';

/**
 * Keeps a test server's idle keep-alive connections open for a minute
 * rather than Node's 5 s. A backend slowed down by a busy machine may send
 * its next request on a connection the server has just closed, and see it
 * fail ("fetch failed", a reset); AWS's, registries' and API servers' own
 * idle timeouts are far longer than any client's.
 */
export function keepIdleConnections(server: Server): void {
  server.keepAliveTimeout = 60_000;
}
