import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopbackListen';

export interface StubServer {
  readonly url: string;
  /** Every request the stub saw, in order: method and path with query. */
  readonly requests: Array<{ method: string; url: string }>;
  readonly stop: () => Promise<void>;
}

/**
 * A tiny HTTP server on 127.0.0.1 for what a real MLflow server will not do on demand: answer
 * malformed JSON, list artifacts with hostile paths, or fail a set number of times. Everything a
 * real server can answer is tested against the real server.
 */
export function startStubServer(handle: (request: IncomingMessage, response: ServerResponse) => void): Promise<StubServer> {
  const requests: Array<{ method: string; url: string }> = [];
  const server = createServer((request, response) => {
    requests.push({ method: request.method ?? '', url: request.url ?? '' });
    handle(request, response);
  });
  return listenOnLoopback(server).then((listening) => ({ ...listening, requests }));
}

export function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}
