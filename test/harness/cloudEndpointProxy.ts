import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopbackListen';

/**
 * A STAND-IN for an Azure ML managed online endpoint or a Databricks serving endpoint, which this
 * machine cannot reach: a local proxy that enforces the cloud's URL shape and auth header, answers
 * what it refuses in the cloud's error shape, and forwards the rest to a real `mlflow models serve`.
 * It checks what this extension sends; it is not the cloud, and says nothing of the cloud's own
 * behaviour beyond what its published docs say (cited in test/unit/chat/cloudEndpoints.test.ts).
 *
 * - azureml: POST `/score` only, `Authorization: Bearer <key>`, an optional
 *   `azureml-model-deployment` naming one of `deployments`; the body's `input_data` is what Azure's
 *   MLflow scoring reads (split DataFrame → `dataframe_split`; a chat request as it is), and the
 *   answer comes back unwrapped as Azure's MLflow scoring gives it. A model failure is Azure's 424
 *   with the model's status in `ms-azureml-model-error-statuscode`.
 * - databricks: POST `/serving-endpoints/<name>/invocations` for a `name` in `endpoints` only,
 *   `Authorization: Bearer <token>`, the MLflow payloads forwarded as they are; errors as
 *   `{"error_code", "message"}`.
 */
export type CloudEndpointProxyOptions =
  | { readonly kind: 'azureml'; readonly key: string; readonly deployments: readonly string[] }
  | { readonly kind: 'databricks'; readonly token: string; readonly endpoints: readonly string[] };

export interface SeenCloudRequest {
  readonly method: string;
  readonly path: string;
  /** Whether the Authorization header held the right bearer secret. */
  readonly authorized: boolean;
  readonly deployment?: string;
  readonly contentType?: string;
  /** The body as sent by the client, parsed. */
  readonly body: unknown;
  readonly status: number;
}

export interface CloudEndpointProxy {
  /** The proxy's origin, `http://127.0.0.1:PORT`. */
  readonly origin: string;
  readonly requests: SeenCloudRequest[];
  readonly stop: () => Promise<void>;
}

export async function startCloudEndpointProxy(target: string, options: CloudEndpointProxyOptions): Promise<CloudEndpointProxy> {
  const requests: SeenCloudRequest[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const path = (request.url ?? '').split('?')[0]!;
      const secret = options.kind === 'azureml' ? options.key : options.token;
      const authorized = request.headers.authorization === `Bearer ${secret}`;
      const deployment = header(request, 'azureml-model-deployment');
      const answer = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        requests.push({
          method: request.method ?? '',
          path,
          authorized,
          ...(deployment ? { deployment } : {}),
          ...(request.headers['content-type'] ? { contentType: request.headers['content-type'] } : {}),
          body,
          status,
        });
        response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
        response.end(JSON.stringify(payload));
      };
      const serve = options.kind === 'azureml' ? serveAzure : serveDatabricks;
      serve(options as never, { method: request.method ?? '', path, authorized, deployment, body }, target).then(
        ({ status, payload, headers }) => answer(status, payload, headers),
        (error: unknown) => answer(502, { message: `stand-in proxy: ${String(error)}` }),
      );
    });
  });
  const listening = await listenOnLoopback(server);
  return { origin: listening.url, requests, stop: listening.stop };
}

interface Received {
  readonly method: string;
  readonly path: string;
  readonly authorized: boolean;
  readonly deployment: string | undefined;
  readonly body: unknown;
}

interface Answer {
  readonly status: number;
  readonly payload: unknown;
  readonly headers?: Record<string, string>;
}

async function serveAzure(
  options: Extract<CloudEndpointProxyOptions, { kind: 'azureml' }>,
  got: Received,
  target: string,
): Promise<Answer> {
  const refuse = (status: number, code: string, message: string): Answer => ({ status, payload: { error: { code, message } } });
  if (got.method !== 'POST' || got.path !== '/score') return refuse(404, 'NotFound', `No route ${got.method} ${got.path}: POST /score.`);
  if (!got.authorized) return refuse(401, 'Unauthorized', 'Key or token is missing, invalid or expired.');
  if (got.deployment !== undefined && !options.deployments.includes(got.deployment))
    return refuse(404, 'DeploymentNotFound', `The endpoint has no deployment named ${got.deployment}.`);
  const inputData = (got.body as { input_data?: unknown } | undefined)?.input_data;
  if (typeof inputData !== 'object' || inputData === null) return refuse(400, 'BadRequest', 'The request has no input_data.');
  const mlflowBody = 'columns' in inputData && 'data' in inputData ? { dataframe_split: inputData } : inputData;
  const upstream = await forward(target, mlflowBody);
  if (upstream.status !== 200)
    return {
      status: 424,
      payload: { message: 'An error occurred in the model.', model_response: upstream.payload },
      headers: { 'ms-azureml-model-error-statuscode': String(upstream.status), 'ms-azureml-model-error-reason': 'model_error' },
    };
  const predictions = (upstream.payload as { predictions?: unknown }).predictions;
  return { status: 200, payload: predictions ?? upstream.payload };
}

async function serveDatabricks(
  options: Extract<CloudEndpointProxyOptions, { kind: 'databricks' }>,
  got: Received,
  target: string,
): Promise<Answer> {
  const refuse = (status: number, code: string, message: string): Answer => ({ status, payload: { error_code: code, message } });
  const match = /^\/serving-endpoints\/([^/]+)\/invocations$/.exec(got.path);
  if (got.method !== 'POST' || !match) return refuse(404, 'ENDPOINT_NOT_FOUND', `No API found for '${got.method} ${got.path}'`);
  if (!got.authorized) return refuse(401, 'UNAUTHENTICATED', 'Credential was not sent or was of an unsupported type for this API.');
  const name = decodeURIComponent(match[1]!);
  if (!options.endpoints.includes(name)) return refuse(404, 'RESOURCE_DOES_NOT_EXIST', `Endpoint with name '${name}' does not exist.`);
  const upstream = await forward(target, got.body);
  if (upstream.status !== 200) {
    const said = upstream.payload as { error_code?: string; message?: string };
    return refuse(upstream.status, said.error_code ?? 'BAD_REQUEST', said.message ?? JSON.stringify(upstream.payload));
  }
  return upstream;
}

async function forward(target: string, body: unknown): Promise<Answer> {
  const response = await fetch(`${target}/invocations`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let payload: unknown = text;
  try {
    payload = JSON.parse(text);
  } catch {
    // kept as text
  }
  return { status: response.status, payload };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
