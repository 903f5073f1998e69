import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseTrackingUri, type TrackingUri } from './trackingUri';

export type MlflowAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'bearer'; readonly token: string };

export interface TlsOptions {
  /** MLFLOW_TRACKING_INSECURE_TLS: do not verify the server's certificate. */
  readonly insecure?: boolean;
  /** MLFLOW_TRACKING_SERVER_CERT_PATH: a CA bundle to verify the server with. */
  readonly serverCertPath?: string;
  /** MLFLOW_TRACKING_CLIENT_CERT_PATH: a PEM file with the client certificate and key. */
  readonly clientCertPath?: string;
}

/** A tracking server and how to authenticate to it: everything the client needs to make a call. */
export interface MlflowConnection {
  readonly uri: TrackingUri;
  readonly auth: MlflowAuth;
  readonly tls?: TlsOptions;
}

export const defaultCredentialsPath = join(homedir(), '.mlflow', 'credentials');

/**
 * MLflow's own rules for a client's credentials: username and password from the environment, else
 * from `~/.mlflow/credentials` (section `[mlflow]`, keys `mlflow_tracking_username` /
 * `mlflow_tracking_password`), each value separately; basic auth wins over MLFLOW_TRACKING_TOKEN.
 */
export function authFromEnvironment(env: NodeJS.ProcessEnv = process.env, credentialsPath = defaultCredentialsPath): MlflowAuth {
  const file = readCredentialsFile(credentialsPath);
  const username = env.MLFLOW_TRACKING_USERNAME || file.mlflow_tracking_username;
  const password = env.MLFLOW_TRACKING_PASSWORD || file.mlflow_tracking_password;
  if (username && password) return { kind: 'basic', username, password };
  const token = env.MLFLOW_TRACKING_TOKEN;
  if (token) return { kind: 'bearer', token };
  return { kind: 'none' };
}

export function tlsFromEnvironment(env: NodeJS.ProcessEnv = process.env): TlsOptions {
  return {
    insecure: /^(true|1)$/i.test(env.MLFLOW_TRACKING_INSECURE_TLS ?? ''),
    serverCertPath: env.MLFLOW_TRACKING_SERVER_CERT_PATH || undefined,
    clientCertPath: env.MLFLOW_TRACKING_CLIENT_CERT_PATH || undefined,
  };
}

/** The connection an MLflow client would make from this environment, or undefined without MLFLOW_TRACKING_URI. */
export function connectionFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  credentialsPath = defaultCredentialsPath,
): MlflowConnection | undefined {
  if (!env.MLFLOW_TRACKING_URI) return undefined;
  return { uri: parseTrackingUri(env.MLFLOW_TRACKING_URI), auth: authFromEnvironment(env, credentialsPath), tls: tlsFromEnvironment(env) };
}

/**
 * The `[mlflow]` section of the credentials file, as Python's configparser reads it (`key = value`
 * or `key: value`, `#`/`;` comments, keys case-insensitive). A missing or unreadable file is empty.
 */
export function readCredentialsFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  const values: Record<string, string> = {};
  let inMlflow = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      inMlflow = section[1]!.trim() === 'mlflow';
      continue;
    }
    const pair = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (inMlflow && pair) values[pair[1]!.toLowerCase()] = pair[2]!;
  }
  return values;
}

/** The Authorization header for a connection; the only place credentials are turned into text. */
export function authorizationHeader(auth: MlflowAuth): string | undefined {
  switch (auth.kind) {
    case 'none':
      return undefined;
    case 'basic':
      return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
    case 'bearer':
      return `Bearer ${auth.token}`;
  }
}
