import { ScoringError } from './scoringError';
import { providerName, type ScoringEndpoint } from './scoringEndpoint';

/**
 * What a cloud endpoint's error answer says, in a sentence naming the provider and what to do.
 *
 * Bodies: Databricks answers `{"error_code": "...", "message": "..."}` (its REST API's error
 * shape); Azure ML's front end answers `{"error": {"code", "message"}}` or a plain `{"message"}`,
 * and a model's own failure comes back as 424 with the model's status and reason in the
 * `ms-azureml-model-error-statuscode` / `ms-azureml-model-error-reason` headers (Microsoft's
 * "Troubleshoot online endpoints", HTTP status codes). Anything else is quoted as text.
 */
export function endpointRefusal(endpoint: ScoringEndpoint, status: number, text: string, headers: Headers): ScoringError {
  const provider = providerName(endpoint.kind);
  const detail = errorDetail(text);
  const said = detail ? `: ${detail}` : '';
  if (endpoint.kind === 'azureml') {
    const deployment = endpoint.deployment ? `deployment "${endpoint.deployment}"` : 'the deployment its traffic rules chose';
    switch (status) {
      case 401:
        return new ScoringError(
          'unauthorized',
          `${provider} refused the key or token (401${said}): check the endpoint key, or get a new Microsoft Entra token (they expire), and enter it again.`,
          status,
        );
      case 403:
        return new ScoringError(
          'unauthorized',
          `${provider} does not let this identity score the endpoint (403${said}): its Entra token needs the endpoint's score permission.`,
          status,
        );
      case 404:
        return new ScoringError(
          'rejected',
          `${provider} has nothing to send this to at ${endpoint.url} (404${said}): ${endpoint.deployment ? `does deployment "${endpoint.deployment}" exist?` : 'the endpoint has no deployment with traffic; choose a deployment.'}`,
          status,
        );
      case 424: {
        const modelStatus = headers.get('ms-azureml-model-error-statuscode');
        const reason = headers.get('ms-azureml-model-error-reason');
        const model = [modelStatus && `HTTP ${modelStatus}`, reason].filter(Boolean).join(', ');
        return new ScoringError(
          'rejected',
          `The model in ${deployment} failed (${provider} 424${model ? `, the model said ${model}` : ''}${said}): is the signature right?`,
          status,
        );
      }
      case 408:
        return new ScoringError('timeout', `${provider}'s ${deployment} did not answer within its request timeout (408${said}).`, status);
      case 429:
        return new ScoringError('rejected', `${provider} is turning requests away (429, too many${said}): wait and ask again.`, status);
    }
  } else if (endpoint.kind === 'databricks') {
    const name = /\/serving-endpoints\/([^/]+)\/invocations$/.exec(endpoint.url)?.[1];
    const endpointName = name ? `"${decodeURIComponent(name)}"` : 'this serving endpoint';
    switch (status) {
      case 401:
        return new ScoringError(
          'unauthorized',
          `${provider} refused the token (401${said}): it may have expired or belong to another workspace; enter it again.`,
          status,
        );
      case 403:
        return new ScoringError(
          'unauthorized',
          `${provider} does not let this token query ${endpointName} (403${said}): it needs Can Query on the endpoint.`,
          status,
        );
      case 404:
        return new ScoringError(
          'rejected',
          `${provider} has no serving endpoint ${endpointName} in ${new URL(endpoint.url).host} (404${said}).`,
          status,
        );
      case 429:
        return new ScoringError('rejected', `${provider} is turning requests away (429, rate limit${said}): wait and ask again.`, status);
    }
  }
  if (status >= 500) return new ScoringError('server-error', `The ${provider} endpoint failed (HTTP ${status})${said}`, status);
  return new ScoringError('rejected', `The ${provider} endpoint refused the request (HTTP ${status})${said}`, status);
}

/** The message of an error body in any of the shapes above, clipped; the text itself otherwise. */
function errorDetail(text: string): string {
  try {
    const json = JSON.parse(text) as { error?: unknown; error_code?: unknown; message?: unknown; detail?: unknown };
    if (typeof json.message === 'string')
      return `${typeof json.error_code === 'string' ? `${json.error_code}: ` : ''}${clip(json.message, 1500)}`;
    if (typeof json.error === 'object' && json.error !== null) {
      const { code, message } = json.error as { code?: unknown; message?: unknown };
      if (typeof message === 'string') return `${typeof code === 'string' ? `${code}: ` : ''}${clip(message, 1500)}`;
    }
    if (typeof json.detail === 'string') return clip(json.detail);
  } catch {
    // not JSON: the text as it is
  }
  return clip(text);
}

function clip(text: string, length = 300): string {
  const line = text.trim();
  return line.length > length ? `${line.slice(0, length)}…` : line;
}
