/**
 * A chat filled from a prompt version, logged as a run on a real MLflow 3 server: the run carries
 * the link MLflow's own client writes (`mlflow.linkedPrompts`), byte for byte, and MLflow's client
 * goes on linking more versions to it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { answerTraceInput } from '../../../src/chat/answerTrace';
import { bulkRunRequest } from '../../../src/chat/bulkResults';
import { chatTrace } from '../../../src/mlflow/traces/chatTrace';
import { logChatRun } from '../../../src/chat/chatRunLogger';
import { conversationRunRequest } from '../../../src/chat/chatRunRequest';
import { defaultChatSettings } from '../../../src/chat/generationSettings';
import { MlflowClient } from '../../../src/mlflow/client';
import { linkedPromptsTag, linkedPromptsTagKey } from '../../../src/mlflow/prompts/promptLinks';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { runMlflowPython } from '../../harness/mlflowPython';
import { type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';

/** Two versions registered by MLflow's client, and a run of its own linked to version 2 by `link_prompt_version_to_run`. */
const registerAndLink = `
import json, sys, mlflow
from mlflow import MlflowClient
data = json.loads(sys.argv[1])
mlflow.genai.register_prompt('support-bot', 'You help with {{ product }}.', commit_message='first')
mlflow.genai.register_prompt('support-bot', 'You help with {{ product }}, briefly.', commit_message='second')
run = MlflowClient().create_run(data['experimentId'])
MlflowClient().link_prompt_version_to_run(run.info.run_id, 'prompts:/support-bot/2')
print(json.dumps(MlflowClient().get_run(run.info.run_id).data.tags['${linkedPromptsTagKey}']))
`;

/** MLflow's client links version 1 to our run too: it reads our tag and adds to it. */
const linkMore = `
import json, sys, mlflow
from mlflow import MlflowClient
data = json.loads(sys.argv[1])
MlflowClient().link_prompt_version_to_run(data['runId'], 'prompts:/support-bot/1')
print(json.dumps(json.loads(MlflowClient().get_run(data['runId']).data.tags['${linkedPromptsTagKey}'])))
`;

describe('a chat that used a prompt version, logged as a run', () => {
  let server: MlflowServer;
  let client: MlflowClient;
  let experimentId: string;

  before(async () => {
    server = await startMlflowServer();
    client = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
    experimentId = await client.experiments.create('prompt-links');
  });
  after(async () => server?.stop());

  it("links the run to the version exactly as MLflow's link_prompt_version_to_run does, and MLflow's client adds to that link", async () => {
    const pythonTag = await runMlflowPython<string>(registerAndLink, { experimentId }, { trackingUri: server.url });
    assert.equal(pythonTag, '[{"name": "support-bot", "version": "2"}]');

    const request = conversationRunRequest({
      model: { kind: 'local', location: '/models/phi3-tiny' },
      settings: defaultChatSettings,
      conversation: { systemPrompt: 'You help with MLflow, briefly.', turns: [{ id: 1, role: 'user', content: 'Hi' }] },
      loggedAt: new Date('2026-12-04T22:00:00.000Z'),
      promptUri: 'prompts:/support-bot/2',
    });
    const logged = await logChatRun(client, experimentId, request);
    const run = await client.runs.get(logged.runId);
    assert.equal(run.tags[linkedPromptsTagKey], pythonTag);
    assert.equal(run.tags['phi3.promptVersion'], 'prompts:/support-bot/2');

    const after = await runMlflowPython<unknown>(linkMore, { runId: logged.runId }, { trackingUri: server.url });
    assert.deepEqual(after, [
      { name: 'support-bot', version: '2' },
      { name: 'support-bot', version: '1' },
    ]);
  });

  it('lists the prompt with its latest version, as the Prompts view shows it', async () => {
    const page = await client.prompts.searchPrompts({ filter: "name = 'support-bot'" });
    assert.deepEqual(
      page.items.map((prompt) => [prompt.name, prompt.latestVersion, prompt.description]),
      [['support-bot', '2', 'first']],
    );
    const versions = await client.prompts.versionsPage(page.items[0]!, { pageSize: 1 });
    assert.deepEqual(
      versions.items.map((v) => [v.uri, v.commitMessage]),
      [['prompts:/support-bot/2', 'second']],
    );
    assert.ok(versions.nextPageToken, 'a second page');
    const rest = await client.prompts.versionsPage(page.items[0]!, { pageSize: 1, pageToken: versions.nextPageToken });
    assert.deepEqual(
      rest.items.map((v) => v.uri),
      ['prompts:/support-bot/1'],
    );
  });

  it('links versions only, each once: an alias is no version', () => {
    assert.deepEqual(linkedPromptsTag(['prompts:/a/1', 'prompts:/b.c/12', 'prompts:/a/1']), {
      [linkedPromptsTagKey]: '[{"name": "a", "version": "1"}, {"name": "b.c", "version": "12"}]',
    });
    assert.deepEqual(linkedPromptsTag([]), {});
    assert.throws(() => linkedPromptsTag(['prompts:/a@prod']), /prompts:\/a@prod names an alias/);
  });

  it('links a bulk run to the version its system prompt came from; a chat without one gets no link', () => {
    const bulk = (promptUri?: string) =>
      bulkRunRequest({
        models: [{ kind: 'local', location: '/models/phi3-tiny' }],
        settings: defaultChatSettings,
        rows: [],
        loggedAt: new Date('2026-12-04T22:00:00.000Z'),
        ...(promptUri ? { promptUri } : {}),
      }).tags;
    assert.equal(bulk('prompts:/support-bot/2')[linkedPromptsTagKey], '[{"name": "support-bot", "version": "2"}]');
    assert.equal(bulk('prompts:/support-bot/2')['phi3.promptVersion'], 'prompts:/support-bot/2');
    assert.equal(bulk()[linkedPromptsTagKey], undefined);
    assert.equal(bulk()['phi3.promptVersion'], undefined);
  });

  it("a chat answer's trace carries the version: MLflow's trace tag for linked prompts, and phi3.promptVersion", () => {
    const request = {
      source: 'local' as const,
      model: '/models/phi3-tiny',
      input: { messages: [{ role: 'user' as const, content: 'Hi' }] },
      settings: defaultChatSettings,
      startMs: 1_000,
      endMs: 2_000,
      partialText: '',
      error: new Error('failed'),
      kind: 'chat' as const,
    };
    const tags = chatTrace(answerTraceInput({ ...request, promptVersion: 'prompts:/support-bot/2' })).tags;
    assert.equal(tags[linkedPromptsTagKey], '[{"name": "support-bot", "version": "2"}]');
    assert.equal(tags['phi3.promptVersion'], 'prompts:/support-bot/2');
    const without = chatTrace(answerTraceInput(request)).tags;
    assert.equal(without[linkedPromptsTagKey], undefined);
    assert.equal(without['phi3.promptVersion'], undefined);
  });
});
