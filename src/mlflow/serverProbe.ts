import axios, { AxiosError } from 'axios';
import type { TrackingUri } from './trackingUri';

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
 */
export async function probeServer(uri: TrackingUri, timeoutMs = 10_000): Promise<ServerInfo> {
  const get = async (path: string): Promise<string> => {
    try {
      const response = await axios.get<string>(`${uri.restBase}${path}`, {
        timeout: timeoutMs,
        responseType: 'text',
        transformResponse: (body: string) => body,
      });
      return response.data.trim();
    } catch (error) {
      throw new ServerUnreachableError(describeFailure(uri, path, error));
    }
  };
  await get('/health');
  return { version: await get('/version') };
}

function describeFailure(uri: TrackingUri, path: string, error: unknown): string {
  if (error instanceof AxiosError) {
    if (error.response) {
      return `${uri.restBase}${path} answered ${error.response.status}: is this an MLflow tracking server?`;
    }
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') {
      return `Cannot reach ${uri.restBase} (no answer within the time limit)`;
    }
    const reason = error.code === 'ECONNREFUSED' ? 'connection refused' : error.code === 'ENOTFOUND' ? 'host not found' : error.message;
    return `Cannot reach ${uri.restBase} (${reason})`;
  }
  return `Cannot reach ${uri.restBase} (${String(error)})`;
}
