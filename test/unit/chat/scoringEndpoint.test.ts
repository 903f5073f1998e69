/**
 * The request each provider gets, checked against its published examples, the URL checks, and
 * what its error answers become. The clouds cannot be reached from here: the shapes below are
 * the providers' own, copied from their documentation (cited at each test); the same requests
 * go to a real `mlflow models serve` behind a stand-in proxy in cloudEndpointClient.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpointRefusal } from '../../../src/mlflow/scoring/endpointRefusal';
import {
  checkAzureScoringUri,
  checkDatabricksInvocationsUrl,
  checkDeploymentName,
  databricksInvocationsUrl,
  endpointRequest,
  parseDatabricksWorkspace,
} from '../../../src/mlflow/scoring/scoringEndpoint';
import { chatSignature, promptSignature } from '../../../src/mlflow/scoring/scoringSignature';

const azureUrl = 'https://my-phi3.eastus2.inference.ml.azure.com/score';
const databricksUrl = 'https://adb-1234567890123456.7.azuredatabricks.net/serving-endpoints/phi3-chat/invocations';
const messages = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi' },
] as const;

/** The keys of an object, nested, to compare a request's structure with a published example's. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? [shape(value[0])] : [];
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]));
  return typeof value;
}

describe('Azure Machine Learning managed online endpoint requests', () => {
  it('POSTs the scoring URI with the Bearer key, Content-Type and the chosen deployment header', () => {
    // https://learn.microsoft.com/en-us/azure/machine-learning/how-to-authenticate-online-endpoint and the endpoint's
    // Consume tab sample: headers = {'Content-Type':'application/json', 'Authorization':('Bearer '+ api_key),
    // 'azureml-model-deployment': 'blue'}; without the header, the endpoint's traffic rules choose.
    const request = endpointRequest({ kind: 'azureml', url: azureUrl, deployment: 'blue' }, promptSignature, { messages }, {}, 'k3y');
    assert.equal(request.url, azureUrl);
    assert.deepEqual(request.headers, {
      'Content-Type': 'application/json',
      Authorization: 'Bearer k3y',
      'azureml-model-deployment': 'blue',
    });
    const byTraffic = endpointRequest({ kind: 'azureml', url: azureUrl }, promptSignature, { messages }, {}, 'k3y');
    assert.deepEqual(byTraffic.headers, { 'Content-Type': 'application/json', Authorization: 'Bearer k3y' });
  });

  it('{prompt}: the split-orientation DataFrame under input_data, as Microsoft publishes it for MLflow models', () => {
    // https://learn.microsoft.com/en-us/azure/machine-learning/how-to-deploy-mlflow-models#input-structure
    // ("Azure Machine Learning requires you to provide inputs in a JSON payload in the dictionary key input_data"):
    const published = { input_data: { columns: ['age', 'sex'], index: [1], data: [[1, 1]] } };
    const request = endpointRequest({ kind: 'azureml', url: azureUrl }, promptSignature, { messages }, { maxTokens: 5 }, 'k3y');
    assert.deepEqual(request.body, {
      input_data: {
        columns: ['prompt'],
        index: [0],
        data: [['<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\n']],
      },
    });
    assert.deepEqual(Object.keys(request.body.input_data as object), Object.keys(published.input_data));
    // A raw prompt goes as typed.
    const raw = endpointRequest({ kind: 'azureml', url: azureUrl }, promptSignature, { prompt: '<|user|>\nx<|end|>' }, {}, 'k3y');
    assert.deepEqual(raw.body, { input_data: { columns: ['prompt'], index: [0], data: [['<|user|>\nx<|end|>']] } });
  });

  it('llm/v1/chat: the chat request (messages and its settings) under input_data', () => {
    // Same page: input_data takes the place of MLflow's own input key; MLflow's llm/v1/chat input is the chat request itself.
    const request = endpointRequest(
      { kind: 'azureml', url: azureUrl },
      chatSignature,
      { messages },
      { maxTokens: 64, temperature: 0.2 },
      'entra.jwt.token',
    );
    assert.deepEqual(request.body, {
      input_data: {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ],
        temperature: 0.2,
        max_tokens: 64,
      },
    });
    assert.equal(request.headers.Authorization, 'Bearer entra.jwt.token');
  });

  it('without a key or token nothing is sent', () => {
    assert.throws(() => endpointRequest({ kind: 'azureml', url: azureUrl }, chatSignature, { messages }), {
      name: 'ScoringError',
      kind: 'unauthorized',
      message: `No endpoint key or Microsoft Entra token for ${azureUrl}: enter it again.`,
    });
  });
});

describe('Databricks Model Serving endpoint requests', () => {
  it('{prompt}: POST /serving-endpoints/<name>/invocations, Bearer token, dataframe_split', () => {
    // https://docs.databricks.com/en/machine-learning/model-serving/score-custom-model-endpoints.html
    // (REST API: POST /serving-endpoints/{name}/invocations, "Authorization: Bearer $DATABRICKS_TOKEN",
    // the Pandas DataFrame example {"dataframe_split": {"columns": [...], "data": [[...]]}}):
    const published = { dataframe_split: { columns: ['sepal length (cm)'], data: [[5.1]] } };
    const request = endpointRequest({ kind: 'databricks', url: databricksUrl }, promptSignature, { messages }, {}, 'dapi123');
    assert.equal(request.url, databricksUrl);
    assert.deepEqual(request.headers, { 'Content-Type': 'application/json', Authorization: 'Bearer dapi123' });
    assert.deepEqual(request.body, {
      dataframe_split: { columns: ['prompt'], data: [['<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\n']] },
    });
    assert.deepEqual(shape(request.body), { dataframe_split: { columns: ['string'], data: [['string']] } });
    assert.deepEqual(Object.keys(request.body.dataframe_split as object), Object.keys(published.dataframe_split));
  });

  it('llm/v1/chat: {"messages": [...], "max_tokens", ...} as Databricks documents chat queries', () => {
    // https://docs.databricks.com/en/machine-learning/model-serving/score-foundation-models.html (chat completion
    // request: {"messages": [{"role": "user", "content": "..."}], "max_tokens": 128}); the same for a custom
    // model logged with MLflow's chat signature (https://docs.databricks.com/en/machine-learning/model-serving/score-custom-model-endpoints.html).
    const request = endpointRequest(
      { kind: 'databricks', url: databricksUrl },
      chatSignature,
      { messages: [{ role: 'user', content: 'Hi' }] },
      { maxTokens: 128 },
      'dapi123',
    );
    assert.deepEqual(request.body, { messages: [{ role: 'user', content: 'Hi' }], max_tokens: 128 });
  });

  it('MLflow scoring server requests are unchanged: /invocations, no Authorization', () => {
    const request = endpointRequest({ kind: 'mlflow', url: 'http://127.0.0.1:5001' }, promptSignature, { prompt: 'x' }, {}, 'ignored');
    assert.deepEqual(request, {
      url: 'http://127.0.0.1:5001/invocations',
      headers: { 'Content-Type': 'application/json' },
      body: { inputs: { prompt: ['x'] } },
    });
  });
});

describe('cloud endpoint URLs, checked as the user types them', () => {
  it('Azure: https and /score; another host is a warning, not an error', () => {
    assert.deepEqual(checkAzureScoringUri(` ${azureUrl}/ `), { url: azureUrl });
    assert.deepEqual(checkAzureScoringUri('https://ep.westeurope.inference.ml.azure.us/score'), {
      url: 'https://ep.westeurope.inference.ml.azure.us/score',
    });
    assert.deepEqual(checkAzureScoringUri('http://127.0.0.1:8080/score'), {
      url: 'http://127.0.0.1:8080/score',
      warning: "127.0.0.1 is not a managed online endpoint's host (<endpoint>.<region>.inference.ml.azure.com); it will be used as given.",
    });
    assert.throws(() => checkAzureScoringUri('http://my-phi3.eastus2.inference.ml.azure.com/score'), {
      kind: 'invalid-url',
      message:
        'The Azure ML scoring URI must be https (https://<endpoint>.<region>.inference.ml.azure.com/score): "http:" would send the key in clear text.',
    });
    assert.throws(() => checkAzureScoringUri('https://my-phi3.eastus2.inference.ml.azure.com/'), {
      kind: 'invalid-url',
      message:
        'An Azure ML scoring URI ends in /score (https://<endpoint>.<region>.inference.ml.azure.com/score); "/" does not: copy it from the endpoint\'s Consume tab.',
    });
    assert.throws(() => checkAzureScoringUri('my-phi3.eastus2'), { kind: 'invalid-url' });
    assert.throws(() => checkAzureScoringUri('https://u:p@my-phi3.eastus2.inference.ml.azure.com/score'), { kind: 'invalid-url' });
    assert.throws(() => checkAzureScoringUri(`${azureUrl}?x=1`), { kind: 'invalid-url' });
  });

  it('Azure deployment names go in a header: letters, digits, - and _ only', () => {
    assert.equal(checkDeploymentName(' blue '), 'blue');
    assert.equal(checkDeploymentName(''), undefined);
    assert.equal(checkDeploymentName(undefined), undefined);
    assert.throws(() => checkDeploymentName('blue\r\nX-Evil: 1'), { kind: 'invalid-url' });
  });

  it('Databricks: a workspace host (https:// optional) or a whole invocations URL', () => {
    assert.deepEqual(parseDatabricksWorkspace('adb-1234567890123456.7.azuredatabricks.net'), {
      origin: 'https://adb-1234567890123456.7.azuredatabricks.net',
    });
    assert.deepEqual(parseDatabricksWorkspace(`${databricksUrl}/`), {
      origin: 'https://adb-1234567890123456.7.azuredatabricks.net',
      name: 'phi3-chat',
    });
    assert.equal(
      databricksInvocationsUrl('https://dbc-1.cloud.databricks.com', 'phi3_chat'),
      'https://dbc-1.cloud.databricks.com/serving-endpoints/phi3_chat/invocations',
    );
    assert.deepEqual(checkDatabricksInvocationsUrl(databricksUrl), { url: databricksUrl });
    assert.throws(() => parseDatabricksWorkspace('https://dbc-1.cloud.databricks.com/model/phi3/1/invocations'), {
      kind: 'invalid-url',
      message:
        'Give the workspace host, or a whole invocations URL (https://<workspace-host>/serving-endpoints/<name>/invocations); "/model/phi3/1/invocations" is neither.',
    });
    assert.throws(() => checkDatabricksInvocationsUrl('https://dbc-1.cloud.databricks.com'), { kind: 'invalid-url' });
    assert.throws(() => databricksInvocationsUrl('https://dbc-1.cloud.databricks.com', 'phi 3'), {
      kind: 'invalid-url',
      message: '"phi 3" is not a serving endpoint name: only letters, digits, - and _.',
    });
    assert.throws(() => parseDatabricksWorkspace('http://dbc-1.cloud.databricks.com'), { kind: 'invalid-url' });
    assert.equal(
      parseDatabricksWorkspace('http://localhost:9000').warning,
      'localhost is not a Databricks workspace host (….cloud.databricks.com, adb-….azuredatabricks.net); it will be used as given.',
    );
  });
});

describe("the clouds' error answers become sentences naming the provider", () => {
  const azure = { kind: 'azureml', url: azureUrl, deployment: 'blue' } as const;
  const databricks = { kind: 'databricks', url: databricksUrl } as const;
  const none = new Headers();

  it('Azure ML: 401, 403, 404, 424 with the model headers, 429', () => {
    // Status codes: https://learn.microsoft.com/en-us/azure/machine-learning/how-to-troubleshoot-online-endpoints#http-status-codes
    assert.deepEqual(
      { ...endpointRefusal(azure, 401, '{"error":{"code":"Unauthorized","message":"Token is expired"}}', none) },
      { kind: 'unauthorized', status: 401, name: 'ScoringError' },
    );
    assert.equal(
      endpointRefusal(azure, 401, '{"error":{"code":"Unauthorized","message":"Token is expired"}}', none).message,
      'Azure Machine Learning refused the key or token (401: Unauthorized: Token is expired): check the endpoint key, or get a new Microsoft Entra token (they expire), and enter it again.',
    );
    assert.equal(
      endpointRefusal(azure, 403, '', none).message,
      "Azure Machine Learning does not let this identity score the endpoint (403): its Entra token needs the endpoint's score permission.",
    );
    assert.equal(
      endpointRefusal(azure, 404, '{"message":"No valid deployments to route to."}', none).message,
      `Azure Machine Learning has nothing to send this to at ${azureUrl} (404: No valid deployments to route to.): does deployment "blue" exist?`,
    );
    assert.equal(
      endpointRefusal({ kind: 'azureml', url: azureUrl }, 404, '', none).message,
      `Azure Machine Learning has nothing to send this to at ${azureUrl} (404): the endpoint has no deployment with traffic; choose a deployment.`,
    );
    const modelError = new Headers({ 'ms-azureml-model-error-statuscode': '400', 'ms-azureml-model-error-reason': 'model_error' });
    const failed = endpointRefusal(azure, 424, '{"message":"An error occurred in the model."}', modelError);
    assert.equal(failed.kind, 'rejected');
    assert.equal(
      failed.message,
      'The model in deployment "blue" failed (Azure Machine Learning 424, the model said HTTP 400, model_error: An error occurred in the model.): is the signature right?',
    );
    assert.equal(
      endpointRefusal(azure, 429, 'Too many requests', none).message,
      'Azure Machine Learning is turning requests away (429, too many: Too many requests): wait and ask again.',
    );
    assert.equal(endpointRefusal(azure, 502, '<html>bad gateway</html>', none).kind, 'server-error');
  });

  it('Databricks: {"error_code", "message"} bodies, 401, 403, 404 naming the endpoint', () => {
    // Databricks REST errors: {"error_code": "...", "message": "..."} (https://docs.databricks.com/api/workspace/servingendpoints/query).
    const unauthorized = endpointRefusal(
      databricks,
      401,
      '{"error_code":"UNAUTHENTICATED","message":"Credential was not sent or was of an unsupported type for this API."}',
      none,
    );
    assert.equal(unauthorized.kind, 'unauthorized');
    assert.equal(
      unauthorized.message,
      'Databricks refused the token (401: UNAUTHENTICATED: Credential was not sent or was of an unsupported type for this API.): it may have expired or belong to another workspace; enter it again.',
    );
    assert.equal(
      endpointRefusal(databricks, 403, '{"error_code":"PERMISSION_DENIED","message":"User does not have permission."}', none).message,
      'Databricks does not let this token query "phi3-chat" (403: PERMISSION_DENIED: User does not have permission.): it needs Can Query on the endpoint.',
    );
    assert.equal(
      endpointRefusal(
        databricks,
        404,
        '{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Endpoint with name \'phi3-chat\' does not exist."}',
        none,
      ).message,
      'Databricks has no serving endpoint "phi3-chat" in adb-1234567890123456.7.azuredatabricks.net (404: RESOURCE_DOES_NOT_EXIST: Endpoint with name \'phi3-chat\' does not exist.).',
    );
    assert.equal(
      endpointRefusal(databricks, 400, '{"error_code":"BAD_REQUEST","message":"Failed to enforce schema"}', none).message,
      'The Databricks endpoint refused the request (HTTP 400): BAD_REQUEST: Failed to enforce schema',
    );
  });
});
