import { invocationBody, promptTextOf, type ServedInput, type ServedSettings } from './scoringFormats';
import { ScoringError } from './scoringError';
import type { ScoringSignature } from './scoringSignature';

/**
 * Who serves the model: MLflow's own scoring server (`mlflow models serve`), an Azure Machine
 * Learning managed online endpoint, or a Databricks Model Serving endpoint. All three run an MLflow
 * model; they differ in the URL, the auth header and how the request is wrapped.
 */
export type ScoringProvider = 'mlflow' | 'azureml' | 'databricks';

/** Where a served model is. Never holds the key or token: that stays in SecretStorage. */
export interface ScoringEndpoint {
  readonly kind: ScoringProvider;
  /**
   * mlflow: the server's address (`/invocations` is added); azureml: the scoring URI
   * (`https://<endpoint>.<region>.inference.ml.azure.com/score`); databricks: the invocations URL
   * (`https://<workspace-host>/serving-endpoints/<name>/invocations`).
   */
  readonly url: string;
  /** Azure ML only: the deployment to send to (`azureml-model-deployment`); without it the endpoint's traffic rules choose. */
  readonly deployment?: string;
}

/** The HTTP request that asks an endpoint one question. */
export interface EndpointRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

/** A checked endpoint URL, and what looks unusual about it without being wrong. */
export interface CheckedEndpointUrl {
  readonly url: string;
  readonly warning?: string;
}

export function providerName(kind: ScoringProvider): string {
  return kind === 'azureml' ? 'Azure Machine Learning' : kind === 'databricks' ? 'Databricks' : 'MLflow';
}

/** The cloud kinds take a bearer secret (an Azure endpoint key or Entra token, a Databricks token). */
export function needsSecret(kind: ScoringProvider): boolean {
  return kind !== 'mlflow';
}

/**
 * An Azure ML managed online endpoint's scoring URI, as the endpoint's Consume tab and
 * `az ml online-endpoint show --query scoring_uri` give it. Throws `invalid-url` when it cannot be
 * one (not https, no `/score`, credentials in it); a host outside `*.inference.ml.azure.*` is only
 * a warning, since private links and sovereign clouds have their own.
 */
export function checkAzureScoringUri(raw: string): CheckedEndpointUrl {
  const example = 'https://<endpoint>.<region>.inference.ml.azure.com/score';
  const url = cloudUrl(raw, 'Azure ML scoring URI', example);
  const path = url.pathname.replace(/\/+$/, '');
  if (!path.endsWith('/score'))
    throw new ScoringError(
      'invalid-url',
      `An Azure ML scoring URI ends in /score (${example}); "${url.pathname}" does not: copy it from the endpoint's Consume tab.`,
    );
  if (url.search) throw new ScoringError('invalid-url', `An Azure ML scoring URI has no query string: remove "${url.search}".`);
  const warning = /^[a-z0-9-]+\.[a-z0-9]+\.inference\.ml\.azure\.(com|us|cn)$/i.test(url.hostname)
    ? undefined
    : `${url.hostname} is not a managed online endpoint's host (<endpoint>.<region>.inference.ml.azure.com); it will be used as given.`;
  return { url: `${url.origin}${path}`, ...(warning ? { warning } : {}) };
}

/** A Databricks serving endpoint's name: letters, digits, `-` and `_` (what the Serving UI accepts). */
export function checkDatabricksEndpointName(raw: string): string {
  const name = raw.trim();
  if (!name) throw new ScoringError('invalid-url', "Give the serving endpoint's name, as the Serving page lists it.");
  if (!/^[A-Za-z0-9_-]+$/.test(name))
    throw new ScoringError('invalid-url', `"${name}" is not a serving endpoint name: only letters, digits, - and _.`);
  return name;
}

/**
 * A Databricks workspace host (`adb-….azuredatabricks.net`, `….cloud.databricks.com`, with or
 * without https://), or a whole invocations URL. Returns the workspace's origin and, for a whole
 * URL, the endpoint's name in it.
 */
export function parseDatabricksWorkspace(raw: string): { readonly origin: string; readonly name?: string; readonly warning?: string } {
  const text = raw.trim();
  const example = 'https://<workspace-host>/serving-endpoints/<name>/invocations';
  const url = cloudUrl(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`, 'Databricks workspace URL', example);
  const path = url.pathname.replace(/\/+$/, '');
  let name: string | undefined;
  if (path) {
    const match = /^\/serving-endpoints\/([^/]+)\/invocations$/.exec(path);
    if (!match)
      throw new ScoringError(
        'invalid-url',
        `Give the workspace host, or a whole invocations URL (${example}); "${url.pathname}" is neither.`,
      );
    name = checkDatabricksEndpointName(decodeURIComponent(match[1]!));
  }
  const warning = /(\.cloud\.databricks\.com|\.azuredatabricks\.net|\.gcp\.databricks\.com|\.databricks\.com)$/i.test(url.hostname)
    ? undefined
    : `${url.hostname} is not a Databricks workspace host (….cloud.databricks.com, adb-….azuredatabricks.net); it will be used as given.`;
  return { origin: url.origin, ...(name ? { name } : {}), ...(warning ? { warning } : {}) };
}

/** `https://<workspace-host>/serving-endpoints/<name>/invocations`, the REST API's query route. */
export function databricksInvocationsUrl(origin: string, name: string): string {
  return `${origin}/serving-endpoints/${encodeURIComponent(checkDatabricksEndpointName(name))}/invocations`;
}

/** Checks a whole Databricks invocations URL (a remembered endpoint's). */
export function checkDatabricksInvocationsUrl(raw: string): CheckedEndpointUrl {
  const { origin, name, warning } = parseDatabricksWorkspace(raw);
  if (!name)
    throw new ScoringError(
      'invalid-url',
      'A Databricks endpoint URL ends in /serving-endpoints/<name>/invocations: give the endpoint name too.',
    );
  return { url: databricksInvocationsUrl(origin, name), ...(warning ? { warning } : {}) };
}

/** An Azure ML deployment name as the `azureml-model-deployment` header takes it, or undefined for none. */
export function checkDeploymentName(raw: string | undefined): string | undefined {
  const name = raw?.trim() ?? '';
  if (!name) return undefined;
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name))
    throw new ScoringError('invalid-url', `"${name}" is not a deployment name: letters, digits, - and _ (for example blue).`);
  return name;
}

/**
 * The request asking `endpoint` to continue `input` in `signature`. `secret` is the bearer
 * credential of the cloud kinds (MLflow's scoring server takes none).
 *
 * - Azure ML: POST the scoring URI with `Authorization: Bearer <key or Entra token>` and, when a
 *   deployment is chosen, `azureml-model-deployment: <deployment>`. Its MLflow (no-code) scoring
 *   takes the input under `input_data` where `mlflow models serve` takes `dataframe_split` or
 *   `inputs`: a DataFrame in the split orientation (`{"input_data": {"columns", "index", "data"}}`)
 *   for the `{prompt}` signature, and the chat request itself under `input_data` for `llm/v1/chat`
 *   (Microsoft publishes no llm/v1/chat example: this follows its rule that `input_data` takes
 *   the place of MLflow's own input key).
 * - Databricks: POST `/serving-endpoints/<name>/invocations` with `Authorization: Bearer <token>`,
 *   the MLflow scoring payloads: `dataframe_split` for `{prompt}`, `{"messages": [...], ...}` for chat.
 */
export function endpointRequest(
  endpoint: ScoringEndpoint,
  signature: ScoringSignature,
  input: ServedInput,
  settings: ServedSettings = {},
  secret?: string,
): EndpointRequest {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (endpoint.kind === 'mlflow')
    return { url: `${endpoint.url.replace(/\/+$/, '')}/invocations`, headers, body: invocationBody(signature, input, settings) };
  if (!secret) throw new ScoringError('unauthorized', `No ${secretName(endpoint)} for ${endpoint.url}: enter it again.`);
  headers.Authorization = `Bearer ${secret}`;
  if (endpoint.kind === 'azureml') {
    if (endpoint.deployment) headers['azureml-model-deployment'] = endpoint.deployment;
    const body =
      signature.kind === 'llm/v1/chat'
        ? { input_data: invocationBody(signature, input, settings) }
        : { input_data: { columns: [signature.promptInput], index: [0], data: [[promptTextOf(input)]] } };
    return { url: endpoint.url, headers, body };
  }
  const body =
    signature.kind === 'llm/v1/chat'
      ? invocationBody(signature, input, settings)
      : { dataframe_split: { columns: [signature.promptInput], data: [[promptTextOf(input)]] } };
  return { url: endpoint.url, headers, body };
}

/** How the UI names the secret an endpoint takes. */
export function secretName(endpoint: Pick<ScoringEndpoint, 'kind'>): string {
  return endpoint.kind === 'azureml' ? 'endpoint key or Microsoft Entra token' : 'Databricks token';
}

/** `url` as a URL for a cloud endpoint: https (or http on this machine only), no credentials in it. */
function cloudUrl(raw: string, what: string, example: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ScoringError('invalid-url', `"${raw.trim()}" is not a URL: give the ${what}, for example ${example}.`);
  }
  if (url.username || url.password)
    throw new ScoringError(
      'invalid-url',
      `The ${what} has a user name or password in it: leave them out, the key or token is asked for next.`,
    );
  // A bearer secret never crosses a network in clear text: plain http only to this machine (an SSH tunnel, a local stand-in).
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname)))
    throw new ScoringError('invalid-url', `The ${what} must be https (${example}): "${url.protocol}" would send the key in clear text.`);
  return url;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}
