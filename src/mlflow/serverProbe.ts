import axios, { AxiosError } from 'axios';
import { tlsFromEnvironment, type TlsOptions } from './connection';
import { networkReason } from './errors';
import { TlsAgent } from './tlsAgent';
import type { TrackingUri } from './trackingUri';
import { errorMessage } from '../errorMessage';

/** What a tracking server says of itself: enough to tell the user they are connected, and to what. */
export interface ServerInfo {
  readonly version: string;
}

export class ServerUnreachableError extends Error {
  override readonly name = 'ServerUnreachableError';
}

/**
 * Asks the server for `/health` and `/version` (both answered by every `mlflow server` since 2.x,
 * without authentication), so a connection can be shown as live before any real call is made.
 * An `https://` server is reached with the same TLS settings as the client's calls (by default
 * MLflow's environment variables), so a private CA or a client certificate works here too.
 */
export async function probeServer(uri: TrackingUri, timeoutMs = 10_000, tls: TlsOptions = tlsFromEnvironment()): Promise<ServerInfo> {
  let httpsAgent: TlsAgent;
  try {
    httpsAgent = new TlsAgent(tls, uri.restBase, { keepAlive: false });
  } catch (error) {
    throw new ServerUnreachableError(errorMessage(error));
  }
  const get = async (path: string): Promise<string> => {
    try {
      const response = await axios.get<string>(`${uri.restBase}${path}`, {
        httpsAgent,
        timeout: timeoutMs,
        responseType: 'text',
        transformResponse: (body: string) => body,
      });
      return response.data.trim();
    } catch (error) {
      throw new ServerUnreachableError(describeFailure(uri, path, error, httpsAgent));
    }
  };
  await get('/health');
  return { version: await get('/version') };
}

function describeFailure(uri: TrackingUri, path: string, error: unknown, httpsAgent: TlsAgent): string {
  if (error instanceof AxiosError) {
    if (error.response) {
      return `${uri.restBase}${path} answered ${error.response.status}: is this an MLflow tracking server?`;
    }
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') {
      return `Cannot reach ${uri.restBase} (no answer within the time limit)`;
    }
    const refusal = error.code === 'ECONNRESET' ? httpsAgent.clientCertificateRefusal : undefined;
    const code = refusal === 'required' ? 'CLIENT_CERT_REQUIRED' : refusal === 'rejected' ? 'CLIENT_CERT_REJECTED' : error.code;
    const reason = networkReason(code) ?? error.message;
    return `Cannot reach ${uri.restBase} (${reason})`;
  }
  return `Cannot reach ${uri.restBase} (${String(error)})`;
}
