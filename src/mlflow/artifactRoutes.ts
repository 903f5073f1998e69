/**
 * Where an artifact file is read and written, for downloads and uploads alike: through the tracking
 * server's artifact proxy (`mlflow-artifacts:` URIs), or at the storage itself, at a signed URL the
 * tracking server hands out (Databricks).
 */
import type { Readable } from 'node:stream';
import axios, { type AxiosResponse } from 'axios';
import { type FailedCall, MlflowError } from './errors';
import type { MlflowHttp } from './http';

/** The artifact proxy's route: files below it are those of the `mlflow-artifacts:` store. */
export const proxyBase = '/api/2.0/mlflow-artifacts/artifacts';

/**
 * The proxy path of an `mlflow-artifacts:` URI (`mlflow-artifacts:/1/<run>/artifacts` or with a
 * host, `mlflow-artifacts://host:port/1/<run>/artifacts`). Other stores are not reachable through
 * the tracking server, so uploads there are refused with a message that says so.
 */
export function proxyPath(artifactUri: string): string {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(artifactUri);
  if (!match) {
    throw new MlflowError(
      'unsupported',
      `This server keeps artifacts at ${artifactUri.replace(/\/\/[^/@]*@/, '//')}, outside its artifact proxy: uploading needs a server started with artifact serving (mlflow server --artifacts-destination …)`,
      { method: 'PUT', path: artifactUri },
    );
  }
  return match[1]!.replace(/\/+$/, '');
}

/** The artifact proxy's route to a file of the owner whose artifact URI is given, when it is `mlflow-artifacts:` (else undefined). */
export function proxyRoute(artifactUri: string | undefined, artifactPath: string): string | undefined {
  if (!artifactUri?.startsWith('mlflow-artifacts:')) return undefined;
  return `${proxyBase}/${encodePath([proxyPath(artifactUri), artifactPath].filter(Boolean).join('/'))}`;
}

/** Each segment encoded, the slashes kept: the proxy routes take the artifact path as URL path. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/**
 * Databricks keeps run artifacts where only signed URLs reach: the tracking server hands them out
 * (`artifacts/credentials-for-read|write`) and the client talks to the storage directly.
 */
export const usesSignedUrls = (artifactUri: string | undefined): boolean =>
  artifactUri?.startsWith('dbfs:/databricks/mlflow-tracking/') ?? false;

/** One signed URL as the tracking server hands it out, with the headers the storage expects along. */
export interface WireCredential {
  signed_uri: string;
  type?: string;
  headers?: Array<{ name: string; value: string }>;
}

/**
 * A URL the tracking server handed out for the storage: http(s) only. axios would otherwise follow
 * whatever scheme its adapter takes (`data:` reads as a body), and a hostile server could steer a
 * download or an upload anywhere but the web.
 */
export function checkSignedUrl(url: string, what: string, call: FailedCall): void {
  let scheme: string;
  try {
    scheme = new URL(url).protocol;
  } catch {
    throw new MlflowError('malformed', `The server gave a signed URL to ${what} that is not a URL: refused`, call);
  }
  if (scheme !== 'http:' && scheme !== 'https:')
    throw new MlflowError('malformed', `The server gave a ${scheme.slice(0, 20)} URL to ${what}; only http(s) signed URLs are used`, call);
}

/** Asks the tracking server for the signed URL to read or write one file of a run; checked before it is used. */
export async function fetchSignedUrl(
  http: MlflowHttp,
  direction: 'read' | 'write',
  runId: string,
  path: string,
  subject: string,
  signal?: AbortSignal,
): Promise<WireCredential> {
  const answer = await http.json<{ credential_infos?: WireCredential[] }>('GET', `/api/2.0/mlflow/artifacts/credentials-for-${direction}`, {
    params: { run_id: runId, path: [path] },
    subject,
    signal,
  });
  const credential = answer.credential_infos?.[0];
  const call = { method: 'GET' as const, path: `/api/2.0/mlflow/artifacts/credentials-for-${direction}`, subject };
  if (!credential?.signed_uri) throw new MlflowError('malformed', `The server gave no signed URL to ${direction} ${path}`, call);
  checkSignedUrl(credential.signed_uri, `${direction} ${path}`, call);
  return credential;
}

/**
 * A request to the storage itself at a signed URL: a bare request, so the tracking server's
 * Authorization header never reaches the storage; the signature is in the URL and its headers.
 * `http` gives only the time limit and the wording of a failure.
 */
export async function storageRequest(
  http: MlflowHttp,
  method: 'GET' | 'PUT',
  credential: WireCredential,
  artifactPath: string,
  options: { body?: Readable; size?: number; signal?: AbortSignal },
): Promise<AxiosResponse<Readable>> {
  const headers: Record<string, string> = {};
  for (const { name, value } of credential.headers ?? []) headers[name] = value;
  if (method === 'PUT') {
    headers['Content-Type'] ??= 'application/octet-stream';
    headers['Content-Length'] = String(options.size ?? 0);
    // Azure takes a single-shot upload only when told it is a block blob.
    if (credential.type === 'AZURE_SAS_URI' || credential.type === 'AZURE_ADLS_GEN2_SAS_URI') headers['x-ms-blob-type'] ??= 'BlockBlob';
  }
  const call = { method, path: artifactPath, subject: `Artifact ${artifactPath} at its signed URL` };
  let response: AxiosResponse<Readable>;
  try {
    response = await axios.request<Readable>({
      method,
      url: credential.signed_uri,
      data: options.body,
      headers,
      responseType: 'stream',
      maxRedirects: 0,
      maxBodyLength: Infinity,
      validateStatus: () => true,
      signal: options.signal,
      // A silent storage gives up like a silent tracking server (phi3Mlflow.requestTimeoutSeconds).
      timeout: http.requestTimeoutMs,
    });
  } catch (error) {
    throw http.describeFailure(call, error);
  }
  if (response.status >= 300) {
    response.data.resume();
    const host = new URL(credential.signed_uri).host;
    throw new MlflowError(
      'http',
      `The artifact store (${host}) refused ${method} of ${artifactPath} (${response.status})`,
      call,
      response.status,
    );
  }
  return response;
}
