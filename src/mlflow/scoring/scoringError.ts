export type ScoringErrorKind =
  | 'invalid-url' // not an http(s) URL
  | 'unreachable' // nothing answers (refused, unknown host, reset)
  | 'timeout' // no answer in time
  | 'cancelled' // the caller aborted (Stop)
  | 'unauthorized' // 401/403, or no key or token to send: the credentials were refused or are missing
  | 'rejected' // other 4xx: the server refused the request (schema, bad input, no /invocations)
  | 'server-error' // 5xx
  | 'malformed'; // an answer that does not fit the signature

/** What went wrong talking to a scoring server, in one sentence fit to show a user. */
export class ScoringError extends Error {
  override readonly name = 'ScoringError';

  constructor(
    readonly kind: ScoringErrorKind,
    message: string,
    /** The HTTP status, for `unauthorized`, `rejected` and `server-error`. */
    readonly status?: number,
  ) {
    super(message);
  }
}
