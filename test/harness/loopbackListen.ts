import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A test server listening on a free port of 127.0.0.1: its URL, and how to stop it. */
export interface LoopbackServer {
  readonly url: string;
  readonly stop: () => Promise<void>;
}

/**
 * Starts `server` on a free port of 127.0.0.1. Stopping closes the connections still open (a client
 * under test may keep one alive) before the server, so `stop()` never waits on the client.
 */
export function listenOnLoopback(server: Server): Promise<LoopbackServer> {
  return new Promise((resolveStart) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolveStart({
        url: `http://127.0.0.1:${port}`,
        stop: () =>
          new Promise((resolveStop) => {
            server.closeAllConnections();
            server.close(() => resolveStop());
          }),
      });
    });
  });
}
