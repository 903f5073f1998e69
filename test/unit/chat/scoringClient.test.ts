/**
 * The served-model client against real `mlflow models serve --env-manager local` servers of two
 * pyfunc test models (test/harness/save_scoring_models.py): one with the custom wrapper's
 * `{prompt: string} -> string` signature, one speaking exactly `llm/v1/chat`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ServedChatBackend } from '../../../src/chat/chatBackend';
import { defaultChatSettings } from '../../../src/chat/generationSettings';
import { normalizeScoringUrl, ScoringClient, ScoringError } from '../../../src/mlflow/scoring/scoringClient';
import { chatSignature, promptSignature } from '../../../src/mlflow/scoring/scoringSignature';
import { freePort } from '../../harness/freePort';
import { type ModelServer, startModelServer } from '../../harness/modelServer';
import { saveScoringModels } from '../../harness/scoringModels';
import { json, startStubServer, type StubServer } from '../../harness/stubServer';

describe('the served-model client against real MLflow scoring servers', () => {
  let folder: string;
  let promptServer: ModelServer;
  let chatServer: ModelServer;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'phi3-scoring-'));
    const models = saveScoringModels(folder);
    // No tracking server is involved: the models are local folders.
    [promptServer, chatServer] = await Promise.all([startModelServer('', models.promptEcho), startModelServer('', models.chatEcho)]);
  });

  after(async () => {
    await Promise.all([promptServer?.stop(), chatServer?.stop()]);
    rmSync(folder, { recursive: true, force: true });
  });

  it('{prompt}: sends the conversation in the Phi-3 chat format and reads the prediction (inputs and dataframe_records)', async () => {
    const messages = [
      { role: 'system', content: 'Answer in one word.' },
      { role: 'user', content: 'Hello' },
    ] as const;
    const expected = 'echo: <|system|>\nAnswer in one word.<|end|>\n<|user|>\nHello<|end|>\n<|assistant|>\n';
    const client = new ScoringClient(promptServer.url, promptSignature);
    await client.ping();
    const answer = await client.answer({ messages }, { maxTokens: 5 });
    assert.equal(answer.text, expected);
    assert.equal(answer.usage, undefined);
    assert.ok(answer.latencyMs > 0);
    const records = new ScoringClient(`${promptServer.url}/invocations`, {
      kind: 'prompt',
      promptInput: 'prompt',
      requestShape: 'dataframe_records',
    });
    assert.equal((await records.answer({ messages })).text, expected);
  });

  it('llm/v1/chat: sends messages and settings, reads the completion and its usage', async () => {
    const client = new ScoringClient(chatServer.url, chatSignature);
    const answer = await client.answer(
      {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi there' },
        ],
      },
      { temperature: 0.5, maxTokens: 20 },
    );
    assert.equal(answer.text, '2 messages; last from user: Hi there; settings max_tokens=20, temperature=0.5');
    assert.deepEqual(answer.usage, { promptTokens: 4, completionTokens: 10, totalTokens: 14 });
    assert.equal(answer.finishReason, 'stop');
    const greedy = await client.answer({ messages: [{ role: 'user', content: 'Again' }] }, { maxTokens: 7, topP: 0.9, topK: 3 });
    assert.equal(greedy.text, '1 messages; last from user: Again; settings max_tokens=7, top_k=3, top_p=0.9');
  });

  it('the wrong signature is refused by the server with its own message', async () => {
    const wrong = new ScoringClient(chatServer.url, promptSignature);
    await assert.rejects(wrong.answer({ messages: [{ role: 'user', content: 'Hi' }] }), (error: ScoringError) => {
      assert.equal(error.kind, 'rejected');
      assert.equal(error.status, 400);
      assert.match(
        error.message,
        /^The served model refused the request \(HTTP 400\): INVALID_PARAMETER_VALUE: Failed to predict data .*Failed to enforce schema .*Model is missing inputs \['messages'\]/s,
      );
      return true;
    });
  });

  it('an address without /invocations, and a port nothing listens on', async () => {
    await assert.rejects(
      new ScoringClient(`${chatServer.url}/nested`, chatSignature).answer({ messages: [{ role: 'user', content: 'Hi' }] }),
      {
        name: 'ScoringError',
        kind: 'rejected',
        message: `${chatServer.url}/nested has no /invocations (404: Not Found): is this the address of an MLflow scoring server?`,
      },
    );
    const port = await freePort();
    await assert.rejects(
      new ScoringClient(`http://127.0.0.1:${port}`, chatSignature).answer({ messages: [{ role: 'user', content: 'Hi' }] }),
      {
        name: 'ScoringError',
        kind: 'unreachable',
        message: `Nothing answers at http://127.0.0.1:${port} (the connection was refused): is \`mlflow models serve\` running there?`,
      },
    );
  });

  it('through the chat backend: llm/v1/chat gets max tokens (and sampling settings only with sampling on), figures from usage', async () => {
    const backend = new ServedChatBackend({ kind: 'served', url: chatServer.url, signature: chatSignature });
    await backend.open();
    const pieces: string[] = [];
    const answer = await backend.answer(
      { messages: [{ role: 'user', content: 'Hi there' }] },
      { ...defaultChatSettings, maxNewTokens: 9 },
      (piece) => pieces.push(piece),
    );
    assert.equal(answer.text, '1 messages; last from user: Hi there; settings max_tokens=9');
    assert.deepEqual(pieces, [answer.text]);
    assert.equal(answer.figures.newTokens, 9);
    assert.equal(answer.figures.promptTokens, 2);
    assert.equal(answer.figures.stopReason, 'stop');
    const sampled = await backend.answer(
      { messages: [{ role: 'user', content: 'Hi' }] },
      { ...defaultChatSettings, maxNewTokens: 9, doSample: true, temperature: 0.3, topP: 0.8, topK: 5 },
      () => undefined,
    );
    assert.equal(sampled.text, '1 messages; last from user: Hi; settings max_tokens=9, temperature=0.3, top_k=5, top_p=0.8');
    const stopped = await backend.answer(
      { messages: [{ role: 'user', content: 'Hi' }] },
      { ...defaultChatSettings, maxNewTokens: 9, stopSequences: ['\n\n', 'END'] },
      () => undefined,
    );
    assert.equal(stopped.text, "1 messages; last from user: Hi; settings max_tokens=9, stop=['\\n\\n', 'END']");
  });

  it('through the chat backend: {prompt} gets the Phi-3 prompt and no settings; a stopped request is cancelled', async () => {
    const backend = new ServedChatBackend({ kind: 'served', url: promptServer.url, signature: promptSignature });
    assert.match(backend.settingsNote!, /takes only a prompt/);
    const answer = await backend.answer(
      { messages: [{ role: 'user', content: 'Hi' }] },
      { ...defaultChatSettings, maxNewTokens: 3 },
      () => undefined,
    );
    assert.equal(answer.text, 'echo: <|user|>\nHi<|end|>\n<|assistant|>\n');
    assert.equal(backend.exactPrompt({ messages: [{ role: 'user', content: 'Hi' }] }), '<|user|>\nHi<|end|>\n<|assistant|>\n');
    const raw = await backend.answer({ prompt: '<|user|>\nas typed<|end|>' }, defaultChatSettings, () => undefined);
    assert.equal(raw.text, 'echo: <|user|>\nas typed<|end|>');
    assert.equal(answer.figures.newTokens, undefined);
    const pending = backend.answer({ messages: [{ role: 'user', content: 'Hi' }] }, defaultChatSettings, () => undefined);
    backend.stop();
    await assert.rejects(pending, { name: 'ScoringError', kind: 'cancelled' });
  });

  it('a cancelled request rejects at once as cancelled', async () => {
    const controller = new AbortController();
    const pending = new ScoringClient(chatServer.url, chatSignature).answer(
      { messages: [{ role: 'user', content: 'Hi' }] },
      {},
      controller.signal,
    );
    controller.abort();
    await assert.rejects(pending, { name: 'ScoringError', kind: 'cancelled' });
  });
});

describe('the served-model client on answers a real scoring server does not give', () => {
  let stub: StubServer;
  before(async () => {
    stub = await startStubServer((request, response) => {
      if (request.url === '/broken/invocations')
        return json(response, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'Model is loading' });
      if (request.url === '/text/invocations') {
        response.writeHead(200, { 'Content-Type': 'text/plain' });
        return response.end('<html>proxy error</html>');
      }
      return json(response, 200, { predictions: [{ generated: 1, other: 2 }] });
    });
  });
  after(() => stub?.stop());

  it('5xx, non-JSON and a wrong shape each get their own message', async () => {
    const ask = (path: string, signature = promptSignature) =>
      new ScoringClient(`${stub.url}${path}`, signature).answer({ messages: [{ role: 'user', content: 'Hi' }] });
    await assert.rejects(ask('/broken'), {
      kind: 'server-error',
      status: 503,
      message: 'The served model failed (HTTP 503): TEMPORARILY_UNAVAILABLE: Model is loading',
    });
    await assert.rejects(ask('/text'), {
      kind: 'malformed',
      message: `The served model at ${stub.url}/text answered with something that is not JSON: <html>proxy error</html>`,
    });
    await assert.rejects(ask('/shape'), {
      kind: 'malformed',
      message:
        'The served model\'s answer is not a {"predictions": ["..."]} answer with one string per prompt: {"predictions":[{"generated":1,"other":2}]} Is the signature right (prompt)?',
    });
  });
});

describe('scoring server URLs', () => {
  it('keeps the origin and path, drops a trailing slash or /invocations, refuses the rest', () => {
    assert.equal(normalizeScoringUrl(' http://127.0.0.1:5001/ '), 'http://127.0.0.1:5001');
    assert.equal(normalizeScoringUrl('https://host.example/serving/invocations'), 'https://host.example/serving');
    assert.throws(() => normalizeScoringUrl('127.0.0.1:5001'), { kind: 'invalid-url' });
    assert.throws(() => normalizeScoringUrl('ftp://host/'), { kind: 'invalid-url' });
    assert.throws(() => normalizeScoringUrl('http://user:pw@host/'), { kind: 'invalid-url' });
  });
});
