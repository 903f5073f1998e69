import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MlflowClient } from '../../../src/mlflow/client';
import { MlflowError } from '../../../src/mlflow/errors';
import { collect } from '../../../src/mlflow/paging';
import type { PromptVersion } from '../../../src/mlflow/prompts/promptEntities';
import { type ChatMessage, fillTemplate } from '../../../src/mlflow/prompts/promptTemplate';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';
import { runMlflowPython } from '../../harness/mlflowPython';

const pyChat: ChatMessage[] = [
  { role: 'system', content: 'You are a {{ style }} assistant.' },
  { role: 'user', content: '{{question}} — ¿qué?' },
];

/** What mlflow.genai.register_prompt writes, and what MLflow's own format() makes of it. */
const registerInPython = `
import json, sys, mlflow
data = json.loads(sys.argv[1])
v1 = mlflow.genai.register_prompt('py-text', 'Hello {{ name }}, welcome to {{ place }}!', commit_message='first', tags={'author': 'alice'})
v2 = mlflow.genai.register_prompt('py-text', 'Hi {{name}}', commit_message='second', tags={'author': 'bob'})
mlflow.genai.set_prompt_alias('py-text', alias='prod', version=1)
chat = mlflow.genai.register_prompt('py-chat', data['chat'], commit_message='chat prompt',
    response_format={'type': 'object', 'properties': {'answer': {'type': 'string'}}},
    model_config={'model_name': 'phi3-mini', 'temperature': 0.2})
print(json.dumps({
    'created': [v1.creation_timestamp, v2.creation_timestamp, chat.creation_timestamp],
    'filledText': v1.format(name='Ada', place='Paris'),
    'filledChat': chat.format(style='terse', question='Why?'),
}))
`;

const tsChat: ChatMessage[] = [
  { role: 'system', content: 'You are {{ persona }}. Answer in "{{ lang }}".' },
  { role: 'user', content: '{{ question }}\nThanks — ¡gracias! 😀' },
];
const textValues = { name: 'Ada', 'order.id': 'A-17', when: 'today' };
const chatValues = { persona: 'a librarian', lang: 'Español', question: 'Where is \\d+ $& {{ name }}?' };

/**
 * What MLflow's client makes of the prompts registered here; searches first, as loading tags the
 * prompt with experiment 0. The stored template is read below the client, whose get_model_version
 * refuses prompts.
 */
const readInPython = `
import json, sys, mlflow
from mlflow import MlflowClient
data = json.loads(sys.argv[1])
client = MlflowClient()
search = [[p.name, p.description, p.tags] for p in mlflow.genai.search_prompts(filter_string="name LIKE 'ts-%'")]
experiment = [p.name for p in mlflow.genai.search_prompts(filter_string='experiment_id = "%s"' % data['experimentId'])]
versions = [[v.version, v.commit_message] for v in client.search_prompt_versions('ts-text')]
text = mlflow.genai.load_prompt('prompts:/ts-text/1', cache_ttl_seconds=0)
prod = mlflow.genai.load_prompt('prompts:/ts-text@prod', cache_ttl_seconds=0)
latest = mlflow.genai.load_prompt('ts-text', cache_ttl_seconds=0)
chat = mlflow.genai.load_prompt('prompts:/ts-chat@champion', cache_ttl_seconds=0)
print(json.dumps({
    'search': search, 'experiment': experiment, 'versions': versions,
    'text': {'template': text.template, 'variables': sorted(text.variables), 'commit': text.commit_message, 'tags': text.tags,
             'aliases': list(text.aliases), 'filled': text.format(**data['textValues'])},
    'prod': prod.version, 'latest': [latest.version, latest.template],
    'chat': {'version': chat.version, 'template': chat.template, 'isText': chat.is_text_prompt, 'variables': sorted(chat.variables),
             'filled': chat.format(**data['chatValues']), 'stored': client._get_registry_client().get_model_version('ts-chat', '1').tags['mlflow.prompt.text'],
             'dumps': json.dumps(chat.template)},
}))
`;

/** Where the aliases point for MLflow's client after they moved or went. */
const aliasesInPython = `
import json, sys, mlflow
from mlflow.exceptions import MlflowException
def load(uri):
    try:
        return mlflow.genai.load_prompt(uri, cache_ttl_seconds=0).version
    except MlflowException as error:
        return error.error_code
print(json.dumps([load('prompts:/ts-text@prod'), load('prompts:/ts-chat@champion')]))
`;

describe("PromptsApi against a real MLflow 3.17 server, checked with MLflow's own client", () => {
  let server: MlflowServer;
  let client: MlflowClient;
  let experimentId: string;

  before(async () => {
    server = await startMlflowServer();
    client = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
    experimentId = await client.experiments.create('prompts');
  });
  after(async () => {
    await server?.stop();
  });

  it('reads the prompts mlflow.genai.register_prompt wrote: templates, variables, versions, aliases, commit messages, tags', async () => {
    const python = await runMlflowPython<{ created: number[]; filledText: string; filledChat: ChatMessage[] }>(
      registerInPython,
      { chat: pyChat },
      { trackingUri: server.url },
    );

    const page = await client.prompts.searchPrompts({ filter: "name LIKE 'py-%'" });
    assert.equal(page.nextPageToken, undefined);
    // The registered model's tags: the ones of the latest registration, and experiment 0 (MLflow's client links the active one).
    assert.deepEqual(
      page.items.map((p) => [p.name, p.description, p.tags, p.aliases]),
      [
        ['py-chat', 'chat prompt', { _mlflow_experiment_ids: ',0,' }, {}],
        ['py-text', 'first', { author: 'bob', _mlflow_experiment_ids: ',0,' }, { prod: '1' }],
      ],
    );

    const versions = await client.prompts.listVersions('py-text');
    assert.deepEqual(
      versions.map((v) => [v.version, v.type, v.template, v.variables, v.commitMessage, v.tags, v.aliases, v.uri]),
      [
        ['2', 'text', 'Hi {{name}}', ['name'], 'second', { author: 'bob' }, [], 'prompts:/py-text/2'],
        [
          '1',
          'text',
          'Hello {{ name }}, welcome to {{ place }}!',
          ['name', 'place'],
          'first',
          { author: 'alice' },
          ['prod'],
          'prompts:/py-text/1',
        ],
      ],
    );
    assert.deepEqual(versions.map((v) => v.creationTimestamp).reverse(), python.created.slice(0, 2));
    assert.equal(fillTemplate(versions[1]!.template, { name: 'Ada', place: 'Paris' }), python.filledText);
    assert.equal(python.filledText, 'Hello Ada, welcome to Paris!');

    const chat = await client.prompts.getVersion('py-chat', '1');
    assert.equal(chat.type, 'chat');
    assert.deepEqual(chat.template, pyChat);
    assert.deepEqual(chat.variables, ['style', 'question']);
    assert.deepEqual(chat.responseFormat, { type: 'object', properties: { answer: { type: 'string' } } });
    assert.deepEqual(chat.modelConfig, { model_name: 'phi3-mini', temperature: 0.2 });
    assert.deepEqual(chat.tags, {});
    assert.equal(chat.creationTimestamp, python.created[2]);
    assert.deepEqual(fillTemplate(chat.template, { style: 'terse', question: 'Why?' }), python.filledChat);

    assert.equal((await client.prompts.getByAlias('py-text', 'prod')).version, '1');
    assert.equal((await client.prompts.getByAlias('py-text', 'latest')).version, '2');
    assert.equal((await client.prompts.getByUri('prompts:/py-text@prod')).template, 'Hello {{ name }}, welcome to {{ place }}!');
    assert.equal((await client.prompts.getByUri('prompts:/py-chat/1')).commitMessage, 'chat prompt');
  });

  it('registers text and chat prompts that mlflow.genai.load_prompt reads, filled to the same text', async () => {
    const first = await client.prompts.registerPrompt('ts-text', 'Dear {{ name }}, your order {{order.id}} ships {{ when }}.', {
      commitMessage: 'first',
      tags: { team: 'nlp' },
    });
    assert.deepEqual(
      [first.version, first.type, first.variables, first.commitMessage, first.tags, first.aliases],
      ['1', 'text', ['name', 'order.id', 'when'], 'first', { team: 'nlp' }, []],
    );
    const second = await client.prompts.registerPrompt('ts-text', 'Dear {{ name }}: {{ when }}.', {
      commitMessage: 'shorter',
      tags: { team: 'search', reviewed: 'yes' },
      experimentId,
    });
    assert.equal(second.version, '2');
    const chat = await client.prompts.registerPrompt('ts-chat', tsChat, { commitMessage: 'chat' });
    assert.deepEqual([chat.version, chat.type, chat.template, chat.variables], ['1', 'chat', tsChat, ['persona', 'lang', 'question']]);
    await client.prompts.setAlias('ts-text', 'prod', '1');
    await client.prompts.setAlias('ts-chat', 'champion', '1');
    // A new prompt takes the first version's commit message and tags; later tags win on the prompt.
    const created = await client.prompts.getPrompt('ts-text');
    assert.deepEqual(
      [created.name, created.description, created.tags, created.aliases],
      ['ts-text', 'first', { team: 'search', reviewed: 'yes', _mlflow_experiment_ids: `,${experimentId},` }, { prod: '1' }],
    );
    assert.ok(created.creationTimestamp! > 0 && created.creationTimestamp! <= first.creationTimestamp!);

    const python = await runMlflowPython<{
      search: [string, string, Record<string, string>][];
      experiment: string[];
      versions: [number, string][];
      text: { template: string; variables: string[]; commit: string; tags: Record<string, string>; aliases: string[]; filled: string };
      prod: number;
      latest: [number, string];
      chat: {
        version: number;
        template: ChatMessage[];
        isText: boolean;
        variables: string[];
        filled: ChatMessage[];
        stored: string;
        dumps: string;
      };
    }>(readInPython, { experimentId, textValues, chatValues }, { trackingUri: server.url });

    assert.deepEqual(python.search, [
      ['ts-chat', 'chat', {}],
      ['ts-text', 'first', { team: 'search', reviewed: 'yes', _mlflow_experiment_ids: `,${experimentId},` }],
    ]);
    assert.deepEqual(python.experiment, ['ts-text']);
    assert.deepEqual(python.versions, [
      [2, 'shorter'],
      [1, 'first'],
    ]);
    assert.deepEqual(python.text, {
      template: 'Dear {{ name }}, your order {{order.id}} ships {{ when }}.',
      variables: ['name', 'order.id', 'when'],
      commit: 'first',
      tags: { team: 'nlp' },
      aliases: ['prod'],
      filled: 'Dear Ada, your order A-17 ships today.',
    });
    assert.equal(fillTemplate(first.template, textValues), python.text.filled);
    assert.equal(python.prod, 1);
    assert.deepEqual(python.latest, [2, 'Dear {{ name }}: {{ when }}.']);
    assert.deepEqual(python.chat.template, tsChat);
    assert.equal(python.chat.isText, false);
    assert.deepEqual(python.chat.variables, ['lang', 'persona', 'question']);
    // The template is stored byte for byte as MLflow's client stores it (json.dumps, \\u escapes).
    assert.equal(python.chat.stored, python.chat.dumps);
    assert.ok(python.chat.stored.includes('\\u00a1gracias! \\ud83d\\ude00'));
    assert.deepEqual(fillTemplate(chat.template, chatValues), python.chat.filled);
    assert.equal(python.chat.filled[1]!.content, 'Where is \\d+ $& {{ name }}?\nThanks — ¡gracias! 😀');

    // Loading linked both prompts to experiment 0, as MLflow's client does with the active experiment.
    assert.deepEqual((await client.prompts.getPrompt('ts-chat')).tags, { _mlflow_experiment_ids: ',0,' });
    assert.deepEqual(
      (await collect(client.prompts.allPrompts({ experimentId }))).map((p) => p.name),
      ['ts-text'],
    );
  });

  it("moves and deletes aliases as MLflow's client then finds them", async () => {
    await client.prompts.setAlias('ts-text', 'prod', '2');
    await client.prompts.deleteAlias('ts-chat', 'champion');
    assert.deepEqual(await runMlflowPython(aliasesInPython, {}, { trackingUri: server.url }), [2, 'INVALID_PARAMETER_VALUE']);
    assert.deepEqual(
      (await client.prompts.listVersions('ts-text')).map((v) => [v.version, v.aliases]),
      [
        ['2', ['prod']],
        ['1', []],
      ],
    );
    await assert.rejects(client.prompts.getByAlias('ts-chat', 'champion'), (error: unknown) => {
      assert.ok(error instanceof MlflowError);
      // The server's "Registered model alias …" speaks of a prompt, as MLflow's client has it.
      assert.equal(error.message, 'Prompt alias champion not found. (400 INVALID_PARAMETER_VALUE)');
      return true;
    });
    await assert.rejects(
      client.prompts.setAlias('ts-text', 'prod', '9'),
      (error: unknown) => error instanceof MlflowError && error.message === 'Version 9 of prompt "ts-text" does not exist',
    );
  });

  it('pages through prompts and versions', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) await client.prompts.registerPrompt(name, `Page {{ n }} of ${name}`);
    const all = ['page-a', 'page-b', 'page-c', 'py-chat', 'py-text', 'ts-chat', 'ts-text'];
    const first = await client.prompts.searchPrompts({ maxResults: 3, orderBy: ['name ASC'] });
    assert.deepEqual(
      first.items.map((p) => p.name),
      all.slice(0, 3),
    );
    assert.ok(first.nextPageToken);
    const second = await client.prompts.searchPrompts({ maxResults: 3, orderBy: ['name ASC'], pageToken: first.nextPageToken });
    assert.deepEqual(
      second.items.map((p) => p.name),
      all.slice(3, 6),
    );
    let pages = 0;
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.prompts.searchPrompts({ maxResults: 2, pageToken: token });
      names.push(...page.items.map((p) => p.name));
      token = page.nextPageToken;
      pages++;
    } while (token);
    assert.deepEqual([names, pages], [all, 4]);
    assert.deepEqual(
      (await collect(client.prompts.allPrompts({ maxResults: 2, filter: "name LIKE 'page-%'" }))).map((p) => p.name),
      ['page-a', 'page-b', 'page-c'],
    );
    assert.deepEqual(
      (await client.prompts.listVersions('ts-text', { pageSize: 1 })).map((v) => v.version),
      ['2', '1'],
    );
  });

  it("leaves prompts out of the registry's model listings, as the explorer lists them, and keeps models out of the prompt calls", async () => {
    const run = await client.runs.create(experimentId, { runName: 'model-run' });
    await client.registry.createModel('plain-model');
    await client.registry.createVersion({ name: 'plain-model', source: `runs:/${run.info.runId}/model`, runId: run.info.runId });
    // The explorer's listing (views/modelNodes.ts): by name, with and without its name filter.
    assert.deepEqual(
      (await collect(client.registry.searchModels({ orderBy: ['name ASC'] }))).map((m) => m.name),
      ['plain-model'],
    );
    assert.deepEqual(
      (await client.registry.searchModelsPage({ maxResults: 100, orderBy: ['name ASC'], filter: "name ILIKE '%-%'" })).items.map(
        (m) => m.name,
      ),
      ['plain-model'],
    );
    assert.deepEqual(await collect(client.registry.searchVersions({ filter: "name = 'ts-text'" })), []);
    assert.deepEqual(
      (await collect(client.prompts.allPrompts({ filter: "name = 'plain-model'" }))).map((p) => p.name),
      [],
    );

    const refused = (message: string) => (error: unknown) => {
      assert.ok(error instanceof MlflowError);
      assert.deepEqual([error.kind, error.message], ['invalid', message]);
      return true;
    };
    await assert.rejects(client.prompts.getPrompt('plain-model'), refused('"plain-model" is a registered model, not a prompt'));
    await assert.rejects(client.prompts.getVersion('plain-model', '1'), refused('"plain-model" is a registered model, not a prompt'));
    await assert.rejects(client.prompts.listVersions('plain-model'), refused('"plain-model" is a registered model, not a prompt'));
    await assert.rejects(
      client.prompts.registerPrompt('plain-model', 'x'),
      refused('"plain-model" is a registered model, not a prompt: MLflow keeps a prompt and a model from sharing a name'),
    );
    assert.deepEqual(
      (await client.registry.getModel('plain-model')).latestVersions.map((v) => v.version),
      ['1'],
    );

    const missing = (message: string) => (error: unknown) => error instanceof MlflowError && error.isNotFound && error.message === message;
    await assert.rejects(client.prompts.getPrompt('nope'), missing('Prompt "nope" does not exist'));
    await assert.rejects(client.prompts.getVersion('ts-text', '7'), missing('Version 7 of prompt "ts-text" does not exist'));
    await assert.rejects(client.prompts.listVersions('nope'), missing('Prompt "nope" does not exist'));
  });

  it('refuses what MLflow refuses, and leaves no prompt behind when the server refuses its first version', async () => {
    const invalid = (message: string) => (error: unknown) =>
      error instanceof MlflowError && error.kind === 'invalid' && error.message === message;
    await assert.rejects(
      client.prompts.registerPrompt('has space', 'x'),
      invalid('"has space" cannot be a prompt\'s name: MLflow takes only letters, digits, "_", "." and "-"'),
    );
    await assert.rejects(
      client.prompts.registerPrompt('empty-chat', []),
      invalid('A chat prompt is a list of one or more {role, content} messages'),
    );
    await assert.rejects(
      client.prompts.registerPrompt('bad-chat', [{ role: 'user' } as unknown as ChatMessage]),
      invalid('A chat prompt is a list of one or more {role, content} messages'),
    );
    await assert.rejects(
      client.prompts.getByUri('prompts:/ts-text/latest'),
      (error: unknown) => error instanceof MlflowError && error.kind === 'invalid',
    );

    // The server takes templates up to 100,000 characters; the registered model, created first, goes again.
    await assert.rejects(client.prompts.registerPrompt('too-long', 'x'.repeat(100_001)), (error: unknown) => {
      assert.ok(error instanceof MlflowError);
      assert.equal(error.message, 'Prompt text exceeds max length of 100000 characters. (400 INVALID_PARAMETER_VALUE)');
      return true;
    });
    await assert.rejects(client.prompts.getPrompt('too-long'), (error: unknown) => error instanceof MlflowError && error.isNotFound);
    const longest: PromptVersion = await client.prompts.registerPrompt('long-enough', 'x'.repeat(100_000));
    assert.equal((await client.prompts.getVersion('long-enough', longest.version)).template, 'x'.repeat(100_000));
  });
});
