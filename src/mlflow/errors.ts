import { type ErrorBody, maxErrorBodyBytes } from './errorBody';

/**
 * The one error type every failure of the MLflow client becomes: the HTTP status, MLflow's
 * `error_code`, the server's own message and the call that failed, with a one-line `message` fit to
 * show a user. It is built from plain values only (never from the HTTP library's error, whose
 * config holds the Authorization header), so credentials cannot leak through it.
 */
export type MlflowErrorKind =
  | 'unreachable' // no connection: refused, DNS, TLS, reset before an answer
  | 'timeout' // no answer within the time limit
  | 'http' // an answer with an error status
  | 'malformed' // an answer that is not the JSON the API promises
  | 'cancelled' // the caller cancelled
  | 'interrupted' // the connection dropped during a transfer
  | 'unsafe-path' // a server-supplied artifact path that would leave the target folder
  | 'unsupported' // the server cannot do what was asked (e.g. no artifact proxy)
  | 'invalid'; // the call's own input is wrong, as MLflow would refuse it (a prompt name, a template's variables)

export interface FailedCall {
  readonly method: string;
  /** The path under the server's base, without query string. */
  readonly path: string;
  /** What the call was about, for messages such as "Experiment 42 does not exist". */
  readonly subject?: string;
}

export class MlflowError extends Error {
  override readonly name = 'MlflowError';

  constructor(
    readonly kind: MlflowErrorKind,
    message: string,
    readonly call: FailedCall,
    readonly status?: number,
    readonly errorCode?: string,
    readonly serverMessage?: string,
  ) {
    super(message);
  }

  /** True for a 404 / RESOURCE_DOES_NOT_EXIST answer. */
  get isNotFound(): boolean {
    return this.status === 404 || this.errorCode === 'RESOURCE_DOES_NOT_EXIST';
  }
}

const untrustedFix =
  'set MLFLOW_TRACKING_SERVER_CERT_PATH to its CA certificate, or MLFLOW_TRACKING_INSECURE_TLS=true to skip verification';

const networkReasons: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: `self-signed TLS certificate: ${untrustedFix}`,
  SELF_SIGNED_CERT_IN_CHAIN: `TLS certificate signed by an authority this client does not trust: ${untrustedFix}`,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: `TLS certificate signed by an authority this client does not trust: ${untrustedFix}`,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: `TLS certificate signed by an authority this client does not trust: ${untrustedFix}`,
  ERR_TLS_CERT_ALTNAME_INVALID: 'the TLS certificate is not for this host name',
  // Not Node's codes: the TLS agent's reading of a connection closed right after a CertificateRequest.
  CLIENT_CERT_REQUIRED: 'the server requires a TLS client certificate: set MLFLOW_TRACKING_CLIENT_CERT_PATH',
  CLIENT_CERT_REJECTED: 'the server did not accept the TLS client certificate of MLFLOW_TRACKING_CLIENT_CERT_PATH',
};

/** A user's words for a network or TLS failure code, when there are any. */
export function networkReason(code: string | undefined): string | undefined {
  return code ? networkReasons[code] : undefined;
}

export function unreachableError(base: string, call: FailedCall, code: string | undefined, detail: string): MlflowError {
  const reason = networkReason(code) ?? detail;
  return new MlflowError('unreachable', `Cannot reach ${base} (${reason})`, call);
}

export function timeoutError(base: string, call: FailedCall, timeoutMs: number): MlflowError {
  return new MlflowError('timeout', `${base} did not answer ${call.method} ${call.path} within ${Math.round(timeoutMs / 1000)} s`, call);
}

export function cancelledError(call: FailedCall): MlflowError {
  return new MlflowError('cancelled', `Cancelled: ${call.method} ${call.path}`, call);
}

/**
 * An error answer, JSON (`{error_code, message}`) or not (the basic-auth app's plain text, an empty
 * 404). A body `cut` at `maxErrorBodyBytes` is said to be so, after the message read from its start.
 */
export function httpError(
  base: string,
  call: FailedCall,
  status: number,
  answer: ErrorBody,
  authKind: 'none' | 'basic' | 'bearer',
): MlflowError {
  const error = httpErrorOf(base, call, status, answer.text, authKind);
  if (!answer.cut) return error;
  const note = `only the first ${maxErrorBodyBytes / 1024} KiB of the server's answer were read`;
  return new MlflowError('http', `${error.message} (${note})`, call, status, error.errorCode, error.serverMessage);
}

function httpErrorOf(base: string, call: FailedCall, status: number, body: string, authKind: 'none' | 'basic' | 'bearer'): MlflowError {
  let errorCode: string | undefined;
  let serverMessage: string | undefined;
  try {
    const parsed = JSON.parse(body) as { error_code?: unknown; message?: unknown; detail?: unknown };
    if (typeof parsed.error_code === 'string') errorCode = parsed.error_code;
    if (typeof parsed.message === 'string') serverMessage = parsed.message;
    // MLflow's FastAPI routes (the OTLP endpoint `/v1/traces`) answer FastAPI's `{"detail": "..."}`.
    else if (typeof parsed.detail === 'string') serverMessage = parsed.detail;
  } catch {
    const text = body.trim();
    if (text && !text.startsWith('<')) serverMessage = text.split('\n')[0]!.slice(0, 300);
  }
  const make = (message: string) => new MlflowError('http', message, call, status, errorCode, serverMessage);
  switch (status) {
    case 401:
      return make(
        authKind === 'none'
          ? 'Authentication required (401): this server needs a username and password or a token'
          : authKind === 'basic'
            ? 'Authentication required (401): check the username and password for this server'
            : 'Authentication required (401): check the token for this server',
      );
    case 403:
      return make(
        `Permission denied (403): ${serverMessage && serverMessage !== 'Permission denied' ? serverMessage : `this user may not ${call.method} ${call.path}`}`,
      );
    case 404:
      if (call.subject && errorCode === 'RESOURCE_DOES_NOT_EXIST') return make(`${call.subject} does not exist`);
      // A route the server does not have answers without MLflow's error JSON (empty, or an HTML page).
      if (!errorCode)
        return make(`${base}${call.path} is not an MLflow API endpoint (404): the server may be an older MLflow or not MLflow at all`);
      return make(serverMessage ?? `Not found (404): ${call.path}`);
    case 429:
      return make(`The server is rate-limiting requests (429)${serverMessage ? `: ${serverMessage}` : ''}`);
    default:
      if (status >= 500)
        return make(`The MLflow server failed (${status}${errorCode ? ` ${errorCode}` : ''})${serverMessage ? `: ${serverMessage}` : ''}`);
      return make(
        serverMessage
          ? `${serverMessage} (${status}${errorCode ? ` ${errorCode}` : ''})`
          : `${call.method} ${call.path} was refused (${status})`,
      );
  }
}

export function malformedError(call: FailedCall, body: string, detail: string): MlflowError {
  return new MlflowError(
    'malformed',
    `The server answered ${call.method} ${call.path} with malformed JSON (${body.length} bytes: ${detail}): is this an MLflow server?`,
    call,
  );
}
