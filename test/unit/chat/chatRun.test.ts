/**
 * A conversation and a bulk run logged to a real MLflow server, read back through REST exactly, and
 * the bulk table read back by MLflow's own Python (`mlflow.load_table`), as its UI would show it.
 * Bulk JSONL parsing, bad lines included; the bulk runner on a real test model, stopped midway.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseBulkPrompts, describeBulkProblems } from '../../../src/chat/bulkPrompts';
import { bulkResultsJsonl, bulkRunRequest, bulkTable, type BulkRow } from '../../../src/chat/bulkResults';
import { runBulk } from '../../../src/chat/bulkRunner';
import { LocalChatBackend } from '../../../src/chat/chatBackend';
import { logChatRun } from '../../../src/chat/chatRunLogger';
import { conversationRunRequest } from '../../../src/chat/chatRunRequest';
import type { ConversationSnapshot } from '../../../src/chat/conversation';
import { conversationToJson, conversationToMarkdown } from '../../../src/chat/conversationExport';
import { defaultChatSettings } from '../../../src/chat/generationSettings';
import { MlflowClient } from '../../../src/mlflow/client';
import { collect } from '../../../src/mlflow/paging';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { runMlflowPython } from '../../harness/mlflowPython';
import { type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';
import { repoRoot } from '../../harness/paths';

const loggedAt = new Date('2026-11-23T22:10:05.000Z');
const settings = { ...defaultChatSettings, maxNewTokens: 7, seed: 42, stopSequences: ['\n\n'] };
const conversation: ConversationSnapshot = {
  systemPrompt: 'Be brief.',
  turns: [
    { id: 1, role: 'user', content: 'Hello' },
    {
      id: 2,
      role: 'assistant',
      content: 'Hi **there**',
      figures: { newTokens: 7, promptTokens: 9, timeToFirstTokenMs: 40, tokensPerSecond: 100, stopReason: 'max-new-tokens' },
    },
    { id: 3, role: 'user', content: 'More?' },
    { id: 4, role: 'assistant', content: 'cut', error: 'The served model answered 500' },
    { id: 5, role: 'user', content: 'Again' },
    {
      id: 6,
      role: 'assistant',
      content: 'Yes',
      figures: { newTokens: 3, promptTokens: 20, timeToFirstTokenMs: 60, tokensPerSecond: 50, stopReason: 'eos' },
    },
  ],
};
const localModel = { kind: 'local', location: '/models/phi3-tiny', mlflowUri: 'models:/phi3@champion' } as const;
const servedModel = { kind: 'served', location: 'http://127.0.0.1:5001', signature: 'llm/v1/chat' } as const;

async function artifactText(server: MlflowServer, runId: string, path: string): Promise<string> {
  const response = await fetch(`${server.url}/get-artifact?run_id=${runId}&path=${encodeURIComponent(path)}`);
  assert.equal(response.status, 200, `GET ${path}`);
  return response.text();
}

describe('chat runs logged to a real MLflow server', () => {
  let server: MlflowServer;
  let client: MlflowClient;
  let experimentId: string;

  before(async () => {
    server = await startMlflowServer();
    client = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
    experimentId = await client.experiments.create('chat-tests');
  });
  after(async () => server?.stop());

  it('logs a conversation: settings as params, figures per answer as steps and summaries, the transcript in Markdown and JSON, tags naming the model', async () => {
    const request = conversationRunRequest({ model: localModel, settings, conversation, loggedAt });
    const phases: string[] = [];
    const logged = await logChatRun(client, experimentId, request, { onPhase: (phase) => phases.push(phase) });
    assert.deepEqual(phases, ['creating', 'logging', 'uploading', 'finishing']);
    const run = await client.runs.get(logged.runId);
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.info.runName, 'chat models:/phi3@champion 2026-11-23 22:10');
    assert.deepEqual(run.params, {
      max_new_tokens: '7',
      do_sample: 'false',
      temperature: '0.7',
      top_p: '0.9',
      top_k: '50',
      repetition_penalty: '1',
      seed: '42',
      stop_sequences: '["\\n\\n"]',
    });
    const tags = Object.fromEntries(Object.entries(run.tags).filter(([key]) => key !== 'mlflow.user'));
    assert.deepEqual(tags, {
      'mlflow.runName': 'chat models:/phi3@champion 2026-11-23 22:10',
      'mlflow.source.type': 'LOCAL',
      'mlflow.source.name': 'Phi-3 MLflow for VS Code',
      'phi3.model.kind': 'local',
      'phi3.model.folder': '/models/phi3-tiny',
      'phi3.model.uri': 'models:/phi3@champion',
      'phi3.chat.kind': 'conversation',
    });
    const latest = Object.fromEntries(run.metrics.map((m) => [m.key, m.value]));
    assert.deepEqual(latest, {
      new_tokens: 3,
      prompt_tokens: 20,
      time_to_first_token_ms: 60,
      tokens_per_second: 50,
      answers: 2,
      failed_answers: 1,
      total_new_tokens: 10,
      mean_time_to_first_token_ms: 50,
      mean_tokens_per_second: 75,
    });
    const history = await collect(client.runs.metricHistory(logged.runId, 'new_tokens'));
    assert.deepEqual(
      history.map((m) => [m.step, m.value, m.timestamp]),
      [
        [0, 7, loggedAt.getTime()],
        [1, 3, loggedAt.getTime()],
      ],
    );
    const ttft = await collect(client.runs.metricHistory(logged.runId, 'time_to_first_token_ms'));
    assert.deepEqual(
      ttft.map((m) => [m.step, m.value]),
      [
        [0, 40],
        [1, 60],
      ],
    );

    const files = await collect(client.artifacts.listFiles({ kind: 'run', runId: logged.runId }));
    assert.deepEqual(files.map((f) => f.path).sort(), ['chat/conversation.json', 'chat/conversation.md']);
    const exported = {
      model: { kind: 'local' as const, location: '/models/phi3-tiny' },
      settings,
      conversation,
      exportedAt: '2026-11-23T22:10:05.000Z',
    };
    const markdown = await artifactText(server, logged.runId, 'chat/conversation.md');
    assert.equal(markdown, conversationToMarkdown(exported));
    assert.match(
      markdown,
      /^# Chat with a Phi-3 model\n\n- Model: local ONNX folder `\/models\/phi3-tiny`\n- Settings: max new tokens 7, greedy, repetition penalty 1, seed 42, stop at "\\n\\n"\n- Exported: 2026-11-23T22:10:05.000Z\n\n## System\n\nBe brief.\n\n## User\n\nHello\n\n## Assistant\n\nHi \*\*there\*\*\n\n_7 tokens · 40 ms to first token · 100.0 tokens\/s · max new tokens reached_\n/,
    );
    const json = await artifactText(server, logged.runId, 'chat/conversation.json');
    assert.equal(json, conversationToJson(exported));
    assert.deepEqual(
      (JSON.parse(json) as { messages: Array<{ role: string }> }).messages.map((m) => m.role),
      ['system', 'user', 'assistant', 'user', 'assistant', 'user', 'assistant'],
    );
  });

  it('names a served model by its URL and signature', async () => {
    const request = conversationRunRequest({
      model: servedModel,
      settings: defaultChatSettings,
      conversation: { systemPrompt: '', turns: [] },
      loggedAt,
    });
    const logged = await logChatRun(client, experimentId, request);
    const run = await client.runs.get(logged.runId);
    assert.equal(run.tags['phi3.model.url'], 'http://127.0.0.1:5001');
    assert.equal(run.tags['phi3.model.signature'], 'llm/v1/chat');
    assert.equal(run.tags['phi3.model.folder'], undefined);
    assert.equal(run.params.seed, 'random');
    assert.deepEqual(Object.fromEntries(run.metrics.map((m) => [m.key, m.value])), { answers: 0, failed_answers: 0 });
  });

  it('logs a comparison as one run: both models’ figures and tags with _a and _b, a transcript each', async () => {
    const other: ConversationSnapshot = {
      systemPrompt: 'Be brief.',
      turns: [
        conversation.turns[0]!,
        {
          id: 2,
          role: 'assistant',
          content: 'Yo',
          figures: { newTokens: 2, promptTokens: undefined, timeToFirstTokenMs: 300, tokensPerSecond: undefined, stopReason: 'stop' },
        },
      ],
    };
    const request = conversationRunRequest({
      model: localModel,
      settings,
      conversation: { systemPrompt: 'Be brief.', turns: conversation.turns.slice(0, 2) },
      loggedAt,
      compare: { model: servedModel, conversation: other },
    });
    const logged = await logChatRun(client, experimentId, request);
    const run = await client.runs.get(logged.runId);
    assert.equal(run.info.runName, 'compare models:/phi3@champion vs 127.0.0.1:5001 2026-11-23 22:10');
    assert.equal(run.tags['phi3.chat.kind'], 'comparison');
    assert.equal(run.tags['phi3.model.folder_a'], '/models/phi3-tiny');
    assert.equal(run.tags['phi3.model.uri_a'], 'models:/phi3@champion');
    assert.equal(run.tags['phi3.model.url_b'], 'http://127.0.0.1:5001');
    assert.deepEqual(Object.fromEntries(run.metrics.map((m) => [m.key, m.value])), {
      new_tokens_a: 7,
      prompt_tokens_a: 9,
      time_to_first_token_ms_a: 40,
      tokens_per_second_a: 100,
      answers_a: 1,
      failed_answers_a: 0,
      total_new_tokens_a: 7,
      mean_time_to_first_token_ms_a: 40,
      mean_tokens_per_second_a: 100,
      new_tokens_b: 2,
      time_to_first_token_ms_b: 300,
      answers_b: 1,
      failed_answers_b: 0,
      total_new_tokens_b: 2,
      mean_time_to_first_token_ms_b: 300,
    });
    const files = await collect(client.artifacts.listFiles({ kind: 'run', runId: logged.runId }));
    assert.deepEqual(files.map((f) => f.path).sort(), [
      'chat/conversation_a.json',
      'chat/conversation_a.md',
      'chat/conversation_b.json',
      'chat/conversation_b.md',
    ]);
    const markdown = await artifactText(server, logged.runId, 'chat/conversation_b.md');
    assert.match(
      markdown,
      /^# Chat with a Phi-3 model\n\n- Model: served by MLflow `http:\/\/127\.0\.0\.1:5001` \(llm\/v1\/chat\)\n[^]*## Assistant\n\nYo\n\n_2 tokens · 300 ms to first token_\n$/,
    );
  });

  it('marks the run FAILED and says which when an upload fails, and a missing experiment fails with a clear message', async () => {
    const request = conversationRunRequest({ model: localModel, settings, conversation, loggedAt });
    const controller = new AbortController();
    let runId = '';
    await assert.rejects(
      logChatRun(client, experimentId, request, {
        signal: controller.signal,
        onPhase: (phase) => {
          if (phase === 'uploading') controller.abort(new Error('cancelled by the user'));
        },
      }),
      (error: Error) => {
        runId = /run (\w+) in experiment/.exec(error.message)?.[1] ?? '';
        assert.match(
          error.message,
          new RegExp(
            `^Logging to MLflow failed: cancelled by the user \\(run \\w{32} in experiment ${experimentId} is marked FAILED\\)\\.$`,
          ),
        );
        return true;
      },
    );
    assert.equal((await client.runs.get(runId)).info.status, 'FAILED');
    await assert.rejects(logChatRun(client, '987654', request), /Experiment 987654/);
  });

  it('logs bulk results as a table MLflow reads back with mlflow.load_table, with the loggedArtifacts tag', async () => {
    const { prompts } = parseBulkPrompts('{"prompt": "What is 2+2?"}\n{"messages": [{"role": "user", "content": "Say \\"hi\\""}]}\n');
    const rows: BulkRow[] = [
      {
        prompt: prompts[0]!,
        answers: [
          {
            text: '4',
            latencyMs: 120.4,
            figures: { newTokens: 1, promptTokens: 8, timeToFirstTokenMs: 100, tokensPerSecond: undefined, stopReason: 'eos' },
          },
          {
            text: 'four',
            latencyMs: 300,
            figures: { newTokens: 2, promptTokens: undefined, timeToFirstTokenMs: 300, tokensPerSecond: 6.5, stopReason: 'stop' },
          },
        ],
      },
      {
        prompt: prompts[1]!,
        answers: [
          {
            text: 'hi',
            latencyMs: 80,
            figures: { newTokens: 1, promptTokens: 9, timeToFirstTokenMs: 80, tokensPerSecond: undefined, stopReason: 'eos' },
          },
          { text: '', latencyMs: 12, error: 'The served model answered 500' },
        ],
      },
    ];
    const request = bulkRunRequest({ models: [localModel, servedModel], settings, rows, loggedAt });
    const logged = await logChatRun(client, experimentId, request);
    const run = await client.runs.get(logged.runId);
    assert.equal(run.tags['mlflow.loggedArtifacts'], '[{"path": "bulk_results.json", "type": "table"}]');
    assert.equal(run.tags['phi3.model.folder_a'], '/models/phi3-tiny');
    assert.equal(run.tags['phi3.model.url_b'], 'http://127.0.0.1:5001');
    assert.equal(run.params.prompts, '2');
    assert.deepEqual(Object.fromEntries(run.metrics.map((m) => [m.key, m.value])), {
      latency_ms_a: 80,
      new_tokens_a: 1,
      prompts_a: 2,
      failed_a: 0,
      mean_latency_ms_a: 100.2,
      total_new_tokens_a: 2,
      latency_ms_b: 300,
      new_tokens_b: 2,
      prompts_b: 2,
      failed_b: 1,
      mean_latency_ms_b: 300,
      total_new_tokens_b: 2,
      mean_tokens_per_second_b: 6.5,
    });
    const table = JSON.parse(await artifactText(server, logged.runId, 'bulk_results.json')) as unknown;
    assert.deepEqual(table, {
      columns: [
        'line',
        'prompt',
        'answer_a',
        'new_tokens_a',
        'latency_ms_a',
        'tokens_per_second_a',
        'error_a',
        'answer_b',
        'new_tokens_b',
        'latency_ms_b',
        'tokens_per_second_b',
        'error_b',
      ],
      data: [
        [1, 'What is 2+2?', '4', 1, 120, null, null, 'four', 2, 300, 6.5, null],
        [2, 'Say "hi"', 'hi', 1, 80, null, null, '', null, 12, null, 'The served model answered 500'],
      ],
    });
    // MLflow's own client finds the table by its tag and reads it as its UI does.
    const script = [
      'import json, sys, mlflow',
      'args = json.loads(sys.argv[1])',
      "mlflow.set_tracking_uri(args['trackingUri'])",
      "mlflow.set_experiment(experiment_id=args['experimentId'])",
      "df = mlflow.load_table('bulk_results.json', run_ids=[args['runId']], extra_columns=['run_id'])",
      "print(json.dumps({'columns': list(df.columns), 'answers_a': list(df['answer_a']), 'errors_b': [e if isinstance(e, str) else None for e in df['error_b']], 'run_ids': sorted(set(df['run_id']))}))",
    ].join('\n');
    const fromPython = await runMlflowPython(
      script,
      { trackingUri: server.url, runId: logged.runId, experimentId },
      { timeoutMs: 120_000 },
    );
    assert.deepEqual(fromPython, {
      columns: [
        'line',
        'prompt',
        'answer_a',
        'new_tokens_a',
        'latency_ms_a',
        'tokens_per_second_a',
        'error_a',
        'answer_b',
        'new_tokens_b',
        'latency_ms_b',
        'tokens_per_second_b',
        'error_b',
        'run_id',
      ],
      answers_a: ['4', 'hi'],
      errors_b: [null, 'The served model answered 500'],
      run_ids: [logged.runId],
    });
  });
});

describe('bulk prompts from JSONL', () => {
  it('reads prompt and messages lines, applies the system prompt to prompt lines, and reports bad lines by number', () => {
    const text = [
      '\uFEFF{"prompt": "One"}',
      '',
      '{"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "Two"}]}',
      '{"prompt": 3}',
      'not json',
      '{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}',
      '{"prompt": "a", "messages": []}',
      '[1]',
      '{"messages": [{"role": "robot", "content": "x"}]}',
      '{"text": "x"}\r',
      '{"prompt": "Last"}\r',
    ].join('\n');
    const { prompts, problems } = parseBulkPrompts(text, 'Be brief.');
    assert.deepEqual(prompts, [
      {
        line: 1,
        prompt: 'One',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'One' },
        ],
      },
      {
        line: 3,
        prompt: 'Two',
        messages: [
          { role: 'system', content: 'S' },
          { role: 'user', content: 'Two' },
        ],
      },
      {
        line: 11,
        prompt: 'Last',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Last' },
        ],
      },
    ]);
    assert.deepEqual(
      problems.map((p) => p.line),
      [4, 5, 6, 7, 8, 9, 10],
    );
    assert.equal(problems[0]!.message, '"prompt" must be non-empty text');
    assert.match(problems[1]!.message, /^not valid JSON \(Unexpected token/);
    assert.equal(problems[2]!.message, 'the last message must be the user\'s (got "assistant")');
    assert.equal(problems[3]!.message, 'has both "prompt" and "messages"; give one');
    assert.equal(problems[4]!.message, 'expected an object with "prompt" or "messages"');
    assert.equal(problems[5]!.message, 'messages[0] must be {"role": "system" | "user" | "assistant", "content": text}');
    assert.equal(problems[6]!.message, 'expected "prompt" or "messages"');
    assert.equal(describeBulkProblems(problems.slice(0, 1)), 'Line 4: "prompt" must be non-empty text');
    assert.deepEqual(parseBulkPrompts(''), { prompts: [], problems: [] });
  });

  it('exports results as JSONL, one object a prompt with the table columns and the messages sent', () => {
    const { prompts } = parseBulkPrompts('{"prompt": "Hi"}');
    const rows: BulkRow[] = [
      {
        prompt: prompts[0]!,
        answers: [
          {
            text: 'Hello',
            latencyMs: 10.6,
            figures: { newTokens: 2, promptTokens: 4, timeToFirstTokenMs: 5, tokensPerSecond: 200, stopReason: 'eos' },
          },
        ],
      },
    ];
    assert.deepEqual(bulkTable(1, rows).columns, ['line', 'prompt', 'answer', 'new_tokens', 'latency_ms', 'tokens_per_second', 'error']);
    assert.equal(
      bulkResultsJsonl(1, rows),
      '{"line":1,"prompt":"Hi","answer":"Hello","new_tokens":2,"latency_ms":11,"tokens_per_second":200,"error":null,"messages":[{"role":"user","content":"Hi"}]}\n',
    );
  });
});

describe('the bulk runner on phi3-tiny-genai-int4', () => {
  const folder = join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-genai-int4');
  let backend: LocalChatBackend;
  before(async () => {
    backend = new LocalChatBackend({ kind: 'local', folder }, () => undefined);
    await backend.open();
  });
  after(() => backend?.dispose());

  it('answers every prompt in order with its figures, and Stop ends the run keeping what was done', async () => {
    const { prompts } = parseBulkPrompts('{"prompt": "Hello"}\n{"prompt": "Hi"}\n{"prompt": "Hey"}\n');
    const seen: number[] = [];
    const done = await runBulk(
      prompts,
      [backend],
      { ...defaultChatSettings, maxNewTokens: 5 },
      { signal: new AbortController().signal, onRow: (_, index) => seen.push(index) },
    );
    assert.equal(done.cancelled, false);
    assert.deepEqual(seen, [0, 1, 2]);
    assert.deepEqual(
      done.rows.map((r) => [r.prompt.prompt, r.answers[0]!.figures?.newTokens, r.answers[0]!.error]),
      [
        ['Hello', 5, undefined],
        ['Hi', 5, undefined],
        ['Hey', 5, undefined],
      ],
    );
    assert.ok(done.rows.every((r) => r.answers[0]!.latencyMs > 0 && r.answers[0]!.text.length > 0));

    // Stopped during the first prompt's long answer (sampling over the whole vocabulary is the test
    // model's slow path): one row, cut short, and the other prompts never asked.
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1500);
    const stopped = await runBulk(
      prompts,
      [backend],
      { ...defaultChatSettings, maxNewTokens: 3000, doSample: true, topK: 0, seed: 1 },
      { signal: controller.signal },
    );
    assert.equal(stopped.cancelled, true);
    assert.equal(stopped.rows.length, 1);
    assert.equal(stopped.rows[0]!.answers[0]!.figures?.stopReason, 'cancelled');
    assert.ok(stopped.rows[0]!.answers[0]!.figures!.newTokens! < 3000);
  });
});
