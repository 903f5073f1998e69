/**
 * The served-model client and the chat backend against Azure ML and Databricks endpoints, as far as
 * this machine can: the clouds cannot be reached, so each is a STAND-IN (test/harness/cloudEndpointProxy.ts)
 * that enforces the cloud's URL shape and Bearer header and answers refusals in its error shape,
 * in front of real `mlflow models serve` servers of the two test models (both signatures).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ServedChatBackend } from '../../../src/chat/chatBackend';
import { defaultChatSettings } from '../../../src/chat/generationSettings';
import { ScoringClient } from '../../../src/mlflow/scoring/scoringClient';
import { chatSignature, promptSignature } from '../../../src/mlflow/scoring/scoringSignature';
import { type CloudEndpointProxy, startCloudEndpointProxy } from '../../harness/cloudEndpointProxy';
import { type ModelServer, startModelServer } from '../../harness/modelServer';
import { saveScoringModels } from '../../harness/scoringModels';

const key = 'azure-key-0123456789';
const token = 'dapi0123456789abcdef';
const phi3Prompt = 'echo: <|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\n';
const messages = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi' },
] as const;

describe('cloud endpoints through stand-in proxies in front of real MLflow scoring servers', () => {
  let folder: string;
  let promptServer: ModelServer;
  let chatServer: ModelServer;
  const proxies: Record<string, CloudEndpointProxy> = {};

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'phi3-cloud-'));
    const models = saveScoringModels(folder);
    [promptServer, chatServer] = await Promise.all([startModelServer('', models.promptEcho), startModelServer('', models.chatEcho)]);
    const azure = { kind: 'azureml', key, deployments: ['blue', 'green'] } as const;
    const databricks = { kind: 'databricks', token, endpoints: ['phi3-prompt', 'phi3-chat'] } as const;
    [proxies.azurePrompt, proxies.azureChat, proxies.databricksPrompt, proxies.databricksChat] = await Promise.all([
      startCloudEndpointProxy(promptServer.url, azure),
      startCloudEndpointProxy(chatServer.url, azure),
      startCloudEndpointProxy(promptServer.url, databricks),
      startCloudEndpointProxy(chatServer.url, databricks),
    ]);
  });

  after(async () => {
    await Promise.all([...Object.values(proxies).map((proxy) => proxy.stop()), promptServer?.stop(), chatServer?.stop()]);
    rmSync(folder, { recursive: true, force: true });
  });

  it('Azure ML, {prompt}: /score with the key and deployment header; the split DataFrame reaches the model', async () => {
    const proxy = proxies.azurePrompt!;
    const client = new ScoringClient({ kind: 'azureml', url: `${proxy.origin}/score`, deployment: 'blue' }, promptSignature, {
      secret: key,
    });
    await client.ping();
    const answer = await client.answer({ messages });
    assert.equal(answer.text, phi3Prompt);
    assert.deepEqual(proxy.requests.at(-1), {
      method: 'POST',
      path: '/score',
      authorized: true,
      deployment: 'blue',
      contentType: 'application/json',
      body: { input_data: { columns: ['prompt'], index: [0], data: [[phi3Prompt.slice('echo: '.length)]] } },
      status: 200,
    });
    // Without a deployment, the traffic rules choose: no header.
    const byTraffic = new ScoringClient({ kind: 'azureml', url: `${proxy.origin}/score` }, promptSignature, { secret: key });
    assert.equal((await byTraffic.answer({ prompt: 'raw' })).text, 'echo: raw');
    assert.equal(proxy.requests.at(-1)!.deployment, undefined);
  });

  it('Azure ML, llm/v1/chat: the chat request under input_data, settings and usage through', async () => {
    const proxy = proxies.azureChat!;
    const client = new ScoringClient({ kind: 'azureml', url: `${proxy.origin}/score`, deployment: 'green' }, chatSignature, {
      secret: key,
    });
    const answer = await client.answer({ messages }, { maxTokens: 20, temperature: 0.5 });
    assert.equal(answer.text, '2 messages; last from user: Hi; settings max_tokens=20, temperature=0.5');
    assert.deepEqual(answer.usage, { promptTokens: 3, completionTokens: 9, totalTokens: 12 });
    assert.equal(proxy.requests.at(-1)!.status, 200);
  });

  it('Azure ML refusals: a wrong key (401), an unknown deployment (404), the wrong signature (424)', async () => {
    const url = `${proxies.azureChat!.origin}/score`;
    await assert.rejects(new ScoringClient({ kind: 'azureml', url }, chatSignature, { secret: 'wrong' }).answer({ messages }), {
      kind: 'unauthorized',
      status: 401,
      message:
        'Azure Machine Learning refused the key or token (401: Unauthorized: Key or token is missing, invalid or expired.): check the endpoint key, or get a new Microsoft Entra token (they expire), and enter it again.',
    });
    await assert.rejects(
      new ScoringClient({ kind: 'azureml', url, deployment: 'red' }, chatSignature, { secret: key }).answer({ messages }),
      {
        kind: 'rejected',
        status: 404,
        message: `Azure Machine Learning has nothing to send this to at ${url} (404: DeploymentNotFound: The endpoint has no deployment named red.): does deployment "red" exist?`,
      },
    );
    await assert.rejects(
      new ScoringClient({ kind: 'azureml', url, deployment: 'blue' }, promptSignature, { secret: key }).answer({ messages }),
      (error: Error & { kind: string; status: number }) => {
        assert.equal(error.kind, 'rejected');
        assert.equal(error.status, 424);
        assert.match(
          error.message,
          /^The model in deployment "blue" failed \(Azure Machine Learning 424, the model said HTTP 400, model_error: An error occurred in the model\.\): is the signature right\?$/,
        );
        return true;
      },
    );
    // Only the wrong key went without the right Bearer header.
    assert.equal(proxies.azureChat!.requests.filter((request) => !request.authorized).length, 1);
  });

  it('Databricks, both signatures: /serving-endpoints/<name>/invocations with the token', async () => {
    const prompt = proxies.databricksPrompt!;
    const promptClient = new ScoringClient(
      { kind: 'databricks', url: `${prompt.origin}/serving-endpoints/phi3-prompt/invocations` },
      promptSignature,
      { secret: token },
    );
    assert.equal((await promptClient.answer({ messages })).text, phi3Prompt);
    assert.deepEqual(prompt.requests.at(-1), {
      method: 'POST',
      path: '/serving-endpoints/phi3-prompt/invocations',
      authorized: true,
      contentType: 'application/json',
      body: { dataframe_split: { columns: ['prompt'], data: [[phi3Prompt.slice('echo: '.length)]] } },
      status: 200,
    });
    const chat = proxies.databricksChat!;
    const chatClient = new ScoringClient(
      { kind: 'databricks', url: `${chat.origin}/serving-endpoints/phi3-chat/invocations` },
      chatSignature,
      {
        secret: token,
      },
    );
    const answer = await chatClient.answer({ messages: [{ role: 'user', content: 'Hi' }] }, { maxTokens: 7 });
    assert.equal(answer.text, '1 messages; last from user: Hi; settings max_tokens=7');
    assert.equal(answer.finishReason, 'stop');
  });

  it('Databricks refusals: a wrong token (401), an unknown endpoint (404), the wrong signature (400)', async () => {
    const origin = proxies.databricksChat!.origin;
    const at = (name: string, secret: string, signature = chatSignature) =>
      new ScoringClient({ kind: 'databricks', url: `${origin}/serving-endpoints/${name}/invocations` }, signature, { secret }).answer({
        messages,
      });
    await assert.rejects(at('phi3-chat', 'dapi-wrong'), {
      kind: 'unauthorized',
      status: 401,
      message:
        'Databricks refused the token (401: UNAUTHENTICATED: Credential was not sent or was of an unsupported type for this API.): it may have expired or belong to another workspace; enter it again.',
    });
    await assert.rejects(at('phi3-missing', token), {
      kind: 'rejected',
      status: 404,
      message: `Databricks has no serving endpoint "phi3-missing" in ${new URL(origin).host} (404: RESOURCE_DOES_NOT_EXIST: Endpoint with name 'phi3-missing' does not exist.).`,
    });
    await assert.rejects(at('phi3-chat', token, promptSignature), (error: Error & { kind: string; status: number }) => {
      assert.equal(error.kind, 'rejected');
      assert.equal(error.status, 400);
      assert.match(
        error.message,
        /^The Databricks endpoint refused the request \(HTTP 400\): INVALID_PARAMETER_VALUE: .*Model is missing inputs \['messages'\]/s,
      );
      return true;
    });
  });

  it('the chat backend reads the secret when it opens, never holds it in its ref, and says when there is none', async () => {
    const proxy = proxies.azurePrompt!;
    const ref = {
      kind: 'served',
      url: `${proxy.origin}/score`,
      signature: promptSignature,
      provider: 'azureml',
      deployment: 'blue',
    } as const;
    const asked: unknown[] = [];
    const backend = new ServedChatBackend(ref, async (endpoint) => {
      asked.push(endpoint);
      return key;
    });
    await backend.open();
    assert.deepEqual(asked, [{ kind: 'azureml', url: `${proxy.origin}/score`, deployment: 'blue' }]);
    const answer = await backend.answer({ messages }, defaultChatSettings, () => undefined);
    assert.equal(answer.text, phi3Prompt);
    assert.equal(backend.title, `${proxy.origin.replace('http://', '')}/score (blue)`);
    assert.deepEqual(backend.exported, {
      kind: 'served',
      location: `${proxy.origin}/score`,
      signature: 'prompt',
      provider: 'Azure Machine Learning',
      deployment: 'blue',
    });
    assert.equal(JSON.stringify({ ref: backend.ref, exported: backend.exported }).includes(key), false);
    const withoutSecret = new ServedChatBackend(ref, async () => undefined);
    await assert.rejects(withoutSecret.open(), {
      kind: 'unauthorized',
      message: `No endpoint key or Microsoft Entra token for ${proxy.origin}/score: enter it again.`,
    });
  });
});
