import { createServer, type IncomingMessage, request as httpRequest, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopbackListen';

/** An answer the proxy gives itself instead of forwarding. */
export interface ProxyAnswer {
  readonly status: number;
  readonly body?: unknown;
}

export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  readonly answered: number | 'forwarded';
  /** `performance.now()` when the request arrived, and when its answer's last byte was handed to the socket. */
  readonly arrivedAt: number;
  finishedAt?: number;
}

export interface ForwardingProxy {
  readonly url: string;
  /** Every request seen, in order, with what became of it: forwarded, or the status answered. */
  readonly requests: ProxiedRequest[];
  readonly stop: () => Promise<void>;
}

/**
 * A proxy in front of a real server: each request is forwarded, unless `intercept` answers it (a
 * 503 for the first attempts, say). For tests of what a client does when a real server misbehaves
 * for a while; what the server answers otherwise stays the real server's.
 */
export function startForwardingProxy(
  target: string,
  intercept: (request: IncomingMessage) => ProxyAnswer | undefined = () => undefined,
): Promise<ForwardingProxy> {
  const requests: ForwardingProxy['requests'] = [];
  const targetUrl = new URL(target);
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const arrivedAt = performance.now();
    const path = (request.url ?? '').split('?')[0]!;
    const answer = intercept(request);
    const seen = (answered: ProxiedRequest['answered']) => {
      const entry: ProxiedRequest = { method: request.method ?? '', path, answered, arrivedAt };
      requests.push(entry);
      response.on('finish', () => (entry.finishedAt = performance.now()));
    };
    if (answer) {
      seen(answer.status);
      request.resume();
      request.on('end', () => {
        response.writeHead(answer.status, { 'Content-Type': 'application/json' });
        response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      });
      return;
    }
    seen('forwarded');
    const forwarded = httpRequest(
      {
        host: targetUrl.hostname,
        port: targetUrl.port,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, host: targetUrl.host },
      },
      (upstream) => {
        response.writeHead(upstream.statusCode ?? 502, upstream.headers);
        upstream.pipe(response);
      },
    );
    forwarded.on('error', () => response.destroy());
    request.pipe(forwarded);
  });
  return listenOnLoopback(server).then((listening) => ({ ...listening, requests }));
}
