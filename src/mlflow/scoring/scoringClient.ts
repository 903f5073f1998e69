import { endpointRefusal } from './endpointRefusal';
import { MalformedAnswerError, parseInvocationAnswer, type ScoredAnswer, type ServedInput, type ServedSettings } from './scoringFormats';
import { endpointRequest, needsSecret, providerName, type ScoringEndpoint, secretName } from './scoringEndpoint';
import type { ScoringSignature } from './scoringSignature';
import { errorMessage } from '../../errorMessage';
import { ScoringError } from './scoringError';

export { ScoringError, type ScoringErrorKind } from './scoringError';

export interface ServedAnswer extends ScoredAnswer {
  /** From sending the request to the whole answer (a scoring server does not stream). */
  readonly latencyMs: number;
}

export interface ScoringClientOptions {
  /** Longest wait for one answer; generation on a CPU can be slow. Default 10 minutes. */
  readonly timeoutMs?: number;
  /** The bearer key or token of an Azure ML or Databricks endpoint (from SecretStorage). */
  readonly secret?: string;
}

/**
 * A model served by MLflow's scoring server (`mlflow models serve`, or anything speaking its
 * `/invocations` protocol), an Azure ML managed online endpoint or a Databricks serving endpoint,
 * asked in one of the two Phi-3 signatures. A plain URL is MLflow's scoring server.
 */
export class ScoringClient {
  /** MLflow: the server's address; the clouds: the URL the questions are posted to. */
  readonly baseUrl: string;
  readonly endpoint: ScoringEndpoint;

  constructor(
    endpoint: string | ScoringEndpoint,
    readonly signature: ScoringSignature,
    private readonly options: ScoringClientOptions = {},
  ) {
    const given = typeof endpoint === 'string' ? { kind: 'mlflow' as const, url: endpoint } : endpoint;
    this.baseUrl = given.kind === 'mlflow' ? normalizeScoringUrl(given.url) : given.url;
    this.endpoint = { ...given, url: this.baseUrl };
  }

  /**
   * GET /ping: resolves when the server is up and its model loaded. The clouds publish no health
   * route for clients (Azure's probes and Databricks' readiness are their own), so for them this
   * only checks a key or token is at hand; the first question shows whether it is accepted.
   */
  async ping(signal?: AbortSignal): Promise<void> {
    if (needsSecret(this.endpoint.kind)) {
      if (!this.options.secret)
        throw new ScoringError('unauthorized', `No ${secretName(this.endpoint)} for ${this.baseUrl}: enter it again.`);
      return;
    }
    const response = await this.request('/ping', { method: 'GET' }, signal ?? AbortSignal.timeout(10_000));
    if (!response.ok) throw await this.statusError(response, '/ping');
  }

  /** POST the conversation (or a raw prompt) in this client's signature, in the endpoint's request shape. */
  async answer(input: ServedInput, settings: ServedSettings = {}, signal?: AbortSignal): Promise<ServedAnswer> {
    const shaped = endpointRequest(this.endpoint, this.signature, input, settings, this.options.secret);
    const started = performance.now();
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 600_000);
    const response = await this.request(
      shaped.url,
      { method: 'POST', headers: shaped.headers, body: JSON.stringify(shaped.body) },
      signal ? AbortSignal.any([signal, timeout]) : timeout,
    );
    if (!response.ok) throw await this.statusError(response, '/invocations');
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ScoringError(
        'malformed',
        `The served model at ${this.baseUrl} answered with something that is not JSON: ${clip(text) || '(an empty body)'}`,
      );
    }
    try {
      return { ...parseInvocationAnswer(this.signature, body), latencyMs: performance.now() - started };
    } catch (error) {
      if (error instanceof MalformedAnswerError)
        throw new ScoringError('malformed', `${error.message} Is the signature right (${this.signature.kind})?`);
      throw error;
    }
  }

  /** `target` is a path on MLflow's server, or the whole URL of a cloud endpoint's request. */
  private async request(target: string, init: RequestInit, signal: AbortSignal): Promise<Response> {
    try {
      return await fetch(target.startsWith('/') ? `${this.baseUrl}${target}` : target, { ...init, signal });
    } catch (error) {
      throw this.transportError(error, signal);
    }
  }

  private transportError(error: unknown, signal: AbortSignal): ScoringError {
    const reason = signal.reason as { name?: string } | undefined;
    if (signal.aborted && reason?.name === 'TimeoutError')
      return new ScoringError('timeout', `The served model at ${this.baseUrl} did not answer in time.`);
    if (signal.aborted) return new ScoringError('cancelled', 'Stopped: the request to the served model was cancelled.');
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const code = cause?.code ?? '';
    const what =
      code === 'ECONNREFUSED'
        ? 'the connection was refused'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'the host name is unknown'
          : code === 'ECONNRESET' || code === 'UND_ERR_SOCKET'
            ? 'the connection was closed before it answered'
            : (cause?.message ?? errorMessage(error));
    const hint =
      this.endpoint.kind === 'mlflow'
        ? 'is `mlflow models serve` running there?'
        : `is this ${providerName(this.endpoint.kind)} endpoint's URL right, and reachable from here?`;
    return new ScoringError('unreachable', `Nothing answers at ${this.baseUrl} (${what}): ${hint}`);
  }

  private async statusError(response: Response, path: string): Promise<ScoringError> {
    const text = await response.text().catch(() => '');
    if (this.endpoint.kind !== 'mlflow') return endpointRefusal(this.endpoint, response.status, text, response.headers);
    let detail = clip(text);
    try {
      const json = JSON.parse(text) as { error_code?: unknown; message?: unknown; detail?: unknown };
      // MLflow's own messages name the failing schema check late in a long text: keep more of them.
      if (typeof json.message === 'string')
        detail = `${typeof json.error_code === 'string' ? `${json.error_code}: ` : ''}${clip(json.message, 1500)}`;
      else if (typeof json.detail === 'string') detail = json.detail;
    } catch {
      // plain text, kept as it is
    }
    const status = response.status;
    if (status === 404) {
      return new ScoringError(
        'rejected',
        `${this.baseUrl} has no ${path} (404${detail ? `: ${detail}` : ''}): is this the address of an MLflow scoring server?`,
        status,
      );
    }
    if (status >= 500)
      return new ScoringError('server-error', `The served model failed (HTTP ${status})${detail ? `: ${detail}` : ''}`, status);
    return new ScoringError('rejected', `The served model refused the request (HTTP ${status})${detail ? `: ${detail}` : ''}`, status);
  }
}

/** `http://host:port` without a trailing slash or `/invocations`; throws `invalid-url` otherwise. */
export function normalizeScoringUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ScoringError('invalid-url', `"${raw}" is not a URL: give the scoring server's address, for example http://127.0.0.1:5001.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ScoringError(
      'invalid-url',
      `"${raw}" is not an http or https URL: give the scoring server's address, for example http://127.0.0.1:5001.`,
    );
  }
  if (url.username || url.password)
    throw new ScoringError(
      'invalid-url',
      'A scoring server URL with a user name or password in it is refused: credentials are never kept in plain text.',
    );
  const path = url.pathname.replace(/\/+$/, '').replace(/\/invocations$/, '');
  return `${url.origin}${path}`;
}

function clip(text: string, length = 300): string {
  const line = text.trim();
  return line.length > length ? `${line.slice(0, length)}…` : line;
}
