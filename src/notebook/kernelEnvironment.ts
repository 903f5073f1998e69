import type { MlflowAuth } from '../mlflow/connection';

/** MLflow's client variables for credentials: replaced, never inherited, when the kernel gets a connection. */
const credentialVariables = ['MLFLOW_TRACKING_USERNAME', 'MLFLOW_TRACKING_PASSWORD', 'MLFLOW_TRACKING_TOKEN'];

/**
 * The environment of a notebook's Python process: the editor's, plus the active MLflow connection
 * the way MLflow's Python client reads it (MLFLOW_TRACKING_URI and the credentials' variables), so
 * `mlflow.log_model` in a cell talks to the server the explorer shows. Credentials from another
 * server in the inherited environment are dropped rather than sent to this one. The result is only
 * handed to the process: never logged or shown.
 */
export function kernelEnvironment(
  base: NodeJS.ProcessEnv,
  connection: { readonly uri: string; readonly auth: MlflowAuth } | undefined,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  if (!connection) return env;
  for (const name of credentialVariables) delete env[name];
  env.MLFLOW_TRACKING_URI = connection.uri;
  if (connection.auth.kind === 'basic') {
    env.MLFLOW_TRACKING_USERNAME = connection.auth.username;
    env.MLFLOW_TRACKING_PASSWORD = connection.auth.password;
  } else if (connection.auth.kind === 'bearer') {
    env.MLFLOW_TRACKING_TOKEN = connection.auth.token;
  }
  return env;
}
