import { Agent as HttpAgent, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable, Writable } from 'node:stream';
import axios, { type AxiosInstance, type AxiosResponse, isAxiosError } from 'axios';
import { authorizationHeader, type MlflowConnection } from './connection';
import { cancelledError, type FailedCall, httpError, malformedError, MlflowError, timeoutError, unreachableError } from './errors';
import { type ErrorBody, readErrorBody } from './errorBody';
import { getIntoFile, type GetIntoFileAnswer, type GetIntoFileRequest } from './getIntoFile';
import { TlsAgent } from './tlsAgent';
import { errorMessage } from '../errorMessage';

export type QueryValue = string | number | boolean | undefined | readonly (string | number)[];

export interface RequestOptions {
  /** Query parameters; an array is sent as a repeated key, as MLflow's GET endpoints take lists. */
  readonly params?: Record<string, QueryValue>;
  /** A JSON body (POST, PATCH, DELETE). */
  readonly body?: unknown;
  /** What the call is about, for messages such as "Experiment 42 does not exist". */
  readonly subject?: string;
  readonly signal?: AbortSignal;
  /** Safe to send again: retried on 429, 503 and dropped connections. GET always is. */
  readonly idempotent?: boolean;
  readonly timeoutMs?: number;
}

/** Writes a request's body into it (uploads: fileBody.ts) and resolves once all of it is handed over. */
export type BodyWriter = (request: Writable) => Promise<void>;

export interface StreamRequestOptions extends RequestOptions {
  /** A body streamed from disk (uploads), or bytes in memory (OTLP spans), which a retry can send again. */
  readonly data?: Readable | Buffer;
  readonly headers?: Record<string, string>;
}

/** An answer whose body is a raw stream of bytes (artifact downloads). */
export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly data: IncomingMessage;
}

export interface HttpOptions {
  /** Time for a whole JSON call, and for a stream's headers; default 60 s. */
  readonly timeoutMs?: number;
  readonly maxRetries?: number;
  /** First retry delay; doubles each time. */
  readonly backoffMs?: number;
}

const retryableStatus = new Set([429, 503]);
/** The most a JSON answer may hold; pages as this client asks for them (at most 1,000 runs, 25,000 metric points) are far smaller. */
export const maxJsonAnswerBytes = 64 * 1024 * 1024;

const droppedConnection = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED_BY_PEER', 'ERR_STREAM_PREMATURE_CLOSE']);

/**
 * The transport under every MLflow call: one axios instance per connection with keep-alive agents,
 * the Authorization header, timeouts, retries with backoff for idempotent calls, and every failure
 * turned into an MlflowError. Answers are read as text and parsed here, so plain-text and malformed
 * bodies get a clear error instead of a parser's.
 */
export class MlflowHttp {
  private readonly axios: AxiosInstance;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly backoffMs: number;
  /** Keep-alive agents, shared by every call on this connection (JSON and streams). */
  readonly httpAgent: HttpAgent;
  readonly httpsAgent: TlsAgent;

  constructor(
    readonly connection: MlflowConnection,
    options: HttpOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.backoffMs = options.backoffMs ?? 500;
    const authorization = authorizationHeader(connection.auth);
    this.httpAgent = new HttpAgent({ keepAlive: true });
    // Throws a clear MlflowError now when a TLS setting names a missing or non-PEM file.
    this.httpsAgent = new TlsAgent(connection.tls ?? {}, connection.uri.restBase);
    this.axios = axios.create({
      baseURL: connection.uri.restBase,
      headers: authorization ? { Authorization: authorization } : {},
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      validateStatus: () => true,
      maxRedirects: 5,
      maxContentLength: Infinity,
      maxBodyLength: Infinity,
    });
  }

  /**
   * For a connection that was replaced: its idle keep-alive sockets close now and the others as
   * their calls end (a download still running on it finishes). Without it, every reconnect left the
   * old agents' sockets open to the server until the server closed them.
   */
  retire(): void {
    for (const agent of [this.httpAgent, this.httpsAgent]) {
      // Node's agent destroys a freed socket instead of pooling it when keepAlive is off.
      (agent as unknown as { keepAlive: boolean }).keepAlive = false;
      for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    }
  }

  /** How long a call waits on a silent server (also what storage calls at signed URLs wait). */
  get requestTimeoutMs(): number {
    return this.timeoutMs;
  }

  /** `scheme://host[:port][/prefix]` of the server: what messages name. */
  get base(): string {
    return this.connection.uri.restBase;
  }

  /** A JSON API call; resolves to the parsed answer ({} for an empty one). */
  async json<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT', path: string, options: RequestOptions = {}): Promise<T> {
    const call: FailedCall = { method, path, subject: options.subject };
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const response = await this.send(call, options, async () => {
      const answer = await this.axios.request<Readable>({
        method,
        url: path,
        params: options.params,
        paramsSerializer: { serialize: serializeQuery },
        data: options.body === undefined ? undefined : JSON.stringify(options.body),
        headers: options.body === undefined ? {} : { 'Content-Type': 'application/json' },
        // Read here rather than by axios, so an error answer is read only as far as its message.
        responseType: 'stream',
        // JSON is read whole into memory: a server sending without end is cut off, with a message.
        maxContentLength: maxJsonAnswerBytes,
        timeout: timeoutMs,
        signal: options.signal,
      });
      const body: ErrorBody =
        answer.status >= 400
          ? await readErrorBody(answer.data, timeoutMs)
          : { text: await readText(answer.data, timeoutMs, options.signal), cut: false };
      return { status: answer.status, headers: answer.headers, data: body };
    });
    const body = response.data.text;
    if (response.status >= 400) throw httpError(this.base, call, response.status, response.data, this.connection.auth.kind);
    if (body.trim() === '') return {} as T;
    try {
      return JSON.parse(body) as T;
    } catch (error) {
      throw malformedError(call, body, errorMessage(error));
    }
  }

  /**
   * A call whose answer (or body) is a stream: artifact downloads and uploads. Resolves once the
   * headers are in; an error status is read and thrown as MlflowError. The caller consumes `data`.
   */
  async stream(method: 'GET' | 'PUT' | 'POST', path: string, options: StreamRequestOptions = {}): Promise<AxiosResponse<Readable>> {
    const call: FailedCall = { method, path, subject: options.subject };
    const response = await this.send(call, options, () =>
      this.axios.request<Readable>({
        method,
        url: path,
        params: options.params,
        paramsSerializer: { serialize: serializeQuery },
        data: options.data,
        headers: options.headers ?? {},
        responseType: 'stream',
        // With redirects on, axios' redirect follower keeps the whole request body to replay it:
        // a 1 GiB upload would be held in memory. Artifact routes do not redirect.
        maxRedirects: 0,
        timeout: options.timeoutMs ?? this.timeoutMs,
        signal: options.signal,
      }),
    );
    if (response.status >= 400) {
      const body = await readErrorBody(response.data, options.timeoutMs ?? this.timeoutMs);
      throw httpError(this.base, call, response.status, body, this.connection.auth.kind);
    }
    return response;
  }

  /**
   * A GET whose body is consumed as raw bytes: artifact downloads. See `raw` for why not axios.
   * The time limit covers the headers and then any silence in the body, so a server that stalls
   * mid-download fails instead of hanging.
   */
  getStream(path: string, options: StreamRequestOptions = {}): Promise<RawResponse> {
    return this.raw('GET', path, options);
  }

  /** Whether `getIntoFile` reads this server's answers (plain http; TLS goes through node:https). */
  get readsIntoFiles(): boolean {
    return new URL(this.base).protocol === 'http:';
  }

  /**
   * A GET whose 2xx body is written into the file at `target.path` from `target.position`, through
   * fixed buffers (getIntoFile.ts): artifact downloads on plain http. Retried like any GET while
   * nothing is written (429, 503, a refused or dropped connection); an error status is thrown as
   * MlflowError. Trouble in the body comes back as the answer's `failure`, the file's writes settled.
   */
  async getIntoFile(
    path: string,
    target: Pick<GetIntoFileRequest, 'path' | 'position' | 'buffers' | 'onBytes' | 'onHead'>,
    options: StreamRequestOptions = {},
  ): Promise<GetIntoFileAnswer> {
    const call: FailedCall = { method: 'GET', path, subject: options.subject };
    const { url, headers } = this.rawTarget(path, options);
    const answer = await this.send(call, options, () =>
      getIntoFile({
        url,
        headers,
        ...target,
        signal: options.signal,
        timeoutMs: options.timeoutMs ?? this.timeoutMs,
      }),
    );
    if (answer.status >= 400)
      throw httpError(
        this.base,
        call,
        answer.status,
        { text: answer.errorBody, cut: answer.errorBodyCut === true },
        this.connection.auth.kind,
      );
    return answer;
  }

  /**
   * A PUT whose body `writeBody` writes (an upload streamed from disk; the caller sets Content-Length). Not retried:
   * the body cannot be sent twice. Resolves once the answer's headers are in; an error status is
   * read and thrown as MlflowError.
   */
  putStream(path: string, writeBody: BodyWriter, options: StreamRequestOptions = {}): Promise<RawResponse> {
    return this.raw('PUT', path, options, writeBody);
  }

  /**
   * A request through node:http(s) itself rather than axios, with the same agents (keep-alive, the
   * connection's TLS settings), Authorization header, retries and errors as every other call: on
   * 1 GiB transfers axios' stream wrapping was a measurable share of the client's CPU, which on a
   * small machine the server needs (bench/mlflowClient.bench.ts). With `timeoutMs`, the limit covers
   * the headers and then any silence on the connection.
   */
  private async raw(method: 'GET' | 'PUT', path: string, options: StreamRequestOptions, writeBody?: BodyWriter): Promise<RawResponse> {
    const call: FailedCall = { method, path, subject: options.subject };
    const { url, headers } = this.rawTarget(path, options);
    const secure = url.protocol === 'https:';
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    let sending: ClientRequest | undefined;
    const response = await this.send(
      call,
      options,
      () =>
        new Promise<RawResponse>((resolveResponse, reject) => {
          let body: IncomingMessage | undefined;
          const request = (secure ? httpsRequest : httpRequest)(
            url,
            {
              method,
              agent: secure ? this.httpsAgent : this.httpAgent,
              headers,
              signal: options.signal,
            },
            (answer) => {
              body = answer;
              resolveResponse({ status: answer.statusCode ?? 0, headers: answer.headers, data: answer });
            },
          );
          if (timeoutMs > 0) {
            request.setTimeout(timeoutMs, () => {
              const silence = `the server sent nothing for ${Math.round(timeoutMs / 1000)} s`;
              const error = Object.assign(new Error(body ? silence : `no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' });
              // Mid-body, the reader gets this error rather than a bare "aborted".
              body?.destroy(error);
              request.destroy(error);
            });
          }
          request.on('error', reject);
          sending = request;
          if (writeBody) {
            // A body that fails to read (the file went away or changed) fails the request with its own error.
            writeBody(request).then(
              () => request.end(),
              (error: Error) => request.destroy(error),
            );
          } else {
            request.end();
          }
        }),
    );
    if (response.status >= 400) {
      const body = await readErrorBody(response.data, timeoutMs);
      // A server may refuse an upload (401, 413) before reading its body: stop sending it.
      if (sending && !sending.writableFinished) sending.destroy();
      throw httpError(this.base, call, response.status, body, this.connection.auth.kind);
    }
    return response;
  }

  /** The URL and headers (Authorization, then the caller's) of a request made without axios. */
  private rawTarget(path: string, options: StreamRequestOptions): { url: URL; headers: Record<string, string> } {
    const query = options.params ? serializeQuery(options.params) : '';
    const authorization = authorizationHeader(this.connection.auth);
    return {
      url: new URL(`${this.base}${path}${query ? `?${query}` : ''}`),
      headers: { ...(authorization ? { Authorization: authorization } : {}), ...options.headers },
    };
  }

  /** Turns a transport failure into an MlflowError: what was happening when the connection failed. */
  describeFailure(call: FailedCall, error: unknown, timeoutMs = this.timeoutMs): MlflowError {
    if (error instanceof MlflowError) return error;
    if (isAxiosError(error) || (error instanceof Error && 'code' in error)) {
      const code = (error as { code?: string }).code;
      if (code === 'ERR_CANCELED' || code === 'ABORT_ERR' || axios.isCancel(error)) return cancelledError(call);
      if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return timeoutError(this.base, call, timeoutMs);
      if (/^maxContentLength size of \d+ exceeded$/.test(errorMessage(error))) {
        return new MlflowError(
          'malformed',
          `The server's answer to ${call.method} ${call.path} is larger than ${maxJsonAnswerBytes / 1024 / 1024} MiB: not read (is this an MLflow server?)`,
          call,
        );
      }
      const refusal = this.clientCertificateRefusal(code);
      if (refusal)
        return unreachableError(
          this.base,
          call,
          refusal === 'required' ? 'CLIENT_CERT_REQUIRED' : 'CLIENT_CERT_REJECTED',
          errorMessage(error),
        );
      return unreachableError(this.base, call, code, errorMessage(error));
    }
    if (error instanceof Error && error.name === 'AbortError') return cancelledError(call);
    return unreachableError(this.base, call, undefined, String(error));
  }

  /** A dropped connection that the TLS agent saw follow a request for a client certificate. */
  private clientCertificateRefusal(code: string | undefined): 'required' | 'rejected' | undefined {
    if (code !== 'ECONNRESET' && code !== 'EPIPE' && code !== 'ERR_STREAM_PREMATURE_CLOSE') return undefined;
    return this.httpsAgent.clientCertificateRefusal;
  }

  private async send<R extends { readonly status: number; readonly headers: Record<string, unknown>; readonly data?: unknown }>(
    call: FailedCall,
    options: RequestOptions,
    attempt: () => Promise<R>,
  ): Promise<R> {
    const retryable = options.idempotent ?? call.method === 'GET';
    for (let tries = 0; ; tries++) {
      let response: R | undefined;
      let failure: unknown;
      try {
        response = await attempt();
      } catch (error) {
        failure = error;
      }
      const canRetry = retryable && tries < this.maxRetries && !options.signal?.aborted;
      if (response && !(canRetry && retryableStatus.has(response.status))) return response;
      const code = (failure as { code?: string } | undefined)?.code ?? '';
      // A server refusing our client certificate drops every connection the same way: do not ask again.
      if (!response && !(canRetry && droppedConnection.has(code) && !this.clientCertificateRefusal(code))) {
        throw this.describeFailure(call, failure, options.timeoutMs ?? this.timeoutMs);
      }
      if (response?.data && typeof (response.data as Readable).resume === 'function') (response.data as Readable).resume();
      const retryAfter = Number(response?.headers['retry-after']);
      await sleep(
        Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, 30_000) : this.backoffMs * 2 ** tries,
        options.signal,
      );
      if (options.signal?.aborted) throw cancelledError(call);
    }
  }
}

export function serializeQuery(params: Record<string, QueryValue>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) query.append(key, String(item));
    else query.append(key, String(value));
  }
  return query.toString();
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolveSleep) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolveSleep();
    }
  });
}

/**
 * A 2xx answer's whole body as text (axios stops it past `maxContentLength`). A body silent for
 * `idleMs` fails with ETIMEDOUT, an aborted one with an AbortError, as the request would have.
 */
async function readText(stream: Readable, idleMs: number, signal?: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  let silence: NodeJS.Timeout | undefined;
  const fail = (error: Error) => stream.destroy(error);
  const watch = () => {
    if (idleMs <= 0) return;
    clearTimeout(silence);
    silence = setTimeout(
      () => fail(Object.assign(new Error(`the server sent nothing for ${Math.round(idleMs / 1000)} s`), { code: 'ETIMEDOUT' })),
      idleMs,
    );
  };
  const onAbort = () => fail(Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' }));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal?.aborted) onAbort();
    watch();
    for await (const chunk of stream) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
      watch();
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    clearTimeout(silence);
    signal?.removeEventListener('abort', onAbort);
  }
}
