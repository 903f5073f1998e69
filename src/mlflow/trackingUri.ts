/**
 * Turns what a user or `MLFLOW_TRACKING_URI` names as a tracking server into the HTTP(S) base that
 * MLflow's REST API lives under. MLflow itself also accepts local stores (`file:`, `sqlite:`),
 * which have no REST API: those are refused with a message saying why.
 */
export interface TrackingUri {
  /** `scheme://host[:port][/path]`, no trailing slash; REST calls go to `${restBase}/api/2.0/mlflow/...`. */
  readonly restBase: string;
  /** What the user typed, trimmed: shown in the UI and kept in settings. */
  readonly original: string;
}

export class TrackingUriError extends Error {
  override readonly name = 'TrackingUriError';
}

export function parseTrackingUri(raw: string): TrackingUri {
  const original = raw.trim();
  if (original === '') {
    throw new TrackingUriError('No tracking server given: enter a URI such as http://127.0.0.1:5000');
  }
  let url: URL;
  try {
    url = new URL(original);
  } catch {
    throw new TrackingUriError(`"${original}" is not a URI: enter one such as http://127.0.0.1:5000`);
  }
  switch (url.protocol) {
    case 'http:':
    case 'https:':
      break;
    case 'azureml:':
      // Azure ML serves the same REST API over HTTPS at the same host and path.
      url = new URL(`https://${url.host}${url.pathname}`);
      break;
    case 'file:':
    case 'sqlite:':
    case 'postgresql:':
    case 'mysql:':
    case 'mssql:':
      throw new TrackingUriError(
        `"${original}" is a local store, which has no REST API: start \`mlflow server\` on it and connect to that server's http:// address`,
      );
    default:
      throw new TrackingUriError(`"${original}" uses ${url.protocol.slice(0, -1)}: a tracking server is reached over http:// or https://`);
  }
  if (url.username || url.password) {
    throw new TrackingUriError('Put credentials in the sign-in step, not in the URI: a URI is stored in settings as plain text');
  }
  const path = url.pathname.replace(/\/+$/, '');
  return { restBase: `${url.protocol}//${url.host}${path}`, original };
}
