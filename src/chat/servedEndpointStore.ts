import type * as vscode from 'vscode';
import type { ScoringEndpoint } from '../mlflow/scoring/scoringEndpoint';
import type { ScoringSignature } from '../mlflow/scoring/scoringSignature';

/** Which secret an endpoint was given: an Azure endpoint key, a Microsoft Entra token, a Databricks token. */
export type EndpointAuthKind = 'key' | 'entra' | 'token';

/** An endpoint chosen before, listed first next time: where it is and how it is asked, never its secret. */
export interface RememberedEndpoint extends ScoringEndpoint {
  readonly signature: ScoringSignature;
  readonly auth?: EndpointAuthKind;
}

const listKey = 'phi3Mlflow.servedEndpoints';
const remembered = 20;

/**
 * The served endpoints of "Chat with a Served Model…": the list in globalState (no secrets), and
 * each cloud endpoint's key or token in SecretStorage, keyed by its provider and URL (the
 * deployments of one Azure endpoint share its key). The one place these secrets are written.
 */
export class ServedEndpointStore {
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly globalState: vscode.Memento,
  ) {}

  list(): RememberedEndpoint[] {
    const stored = this.globalState.get<unknown>(listKey);
    return Array.isArray(stored) ? stored.filter(isRemembered) : [];
  }

  /** Puts `endpoint` first in the list; stores `secret` when one is given. */
  async remember(endpoint: RememberedEndpoint, secret?: string): Promise<void> {
    if (secret !== undefined) await this.secrets.store(secretKey(endpoint), secret);
    const entry: RememberedEndpoint = {
      kind: endpoint.kind,
      url: endpoint.url,
      signature: endpoint.signature,
      ...(endpoint.deployment ? { deployment: endpoint.deployment } : {}),
      ...(endpoint.auth ? { auth: endpoint.auth } : {}),
    };
    const others = this.list().filter((other) => endpointId(other) !== endpointId(entry));
    await this.globalState.update(listKey, [entry, ...others].slice(0, remembered));
  }

  secretOf(endpoint: Pick<ScoringEndpoint, 'kind' | 'url'>): Promise<string | undefined> {
    return Promise.resolve(this.secrets.get(secretKey(endpoint)));
  }

  /** Removes `endpoint` from the list, and its secret when no other remembered deployment of it needs it. */
  async forget(endpoint: ScoringEndpoint): Promise<void> {
    const left = this.list().filter((other) => endpointId(other) !== endpointId(endpoint));
    await this.globalState.update(listKey, left);
    if (!left.some((other) => secretKey(other) === secretKey(endpoint))) await this.secrets.delete(secretKey(endpoint));
  }
}

/** One entry per provider, URL and deployment. */
export function endpointId(endpoint: ScoringEndpoint): string {
  return `${endpoint.kind} ${endpoint.url} ${endpoint.deployment ?? ''}`;
}

function secretKey(endpoint: Pick<ScoringEndpoint, 'kind' | 'url'>): string {
  return `phi3Mlflow.endpointSecret:${endpoint.kind}:${endpoint.url}`;
}

function isRemembered(value: unknown): value is RememberedEndpoint {
  const entry = value as Partial<RememberedEndpoint> | null;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    (entry.kind === 'mlflow' || entry.kind === 'azureml' || entry.kind === 'databricks') &&
    typeof entry.url === 'string' &&
    typeof entry.signature === 'object' &&
    entry.signature !== null
  );
}
