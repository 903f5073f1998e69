import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { hostileName, hostileNameShown } from '../../harness/explorerSeed';
import { runMlflowPython } from '../../harness/mlflowPython';
import { MlflowClient } from '../../../src/mlflow/client';
import { chatTrace, type ChatTraceInput } from '../../../src/mlflow/traces/chatTrace';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { hasBidiControl } from '../../../src/views/displayName';
import type { ExplorerNode } from '../../../src/views/explorerNode';
import type { TracesNode } from '../../../src/views/traceNodes';
import { child, childrenOf, connected, contextOf, descriptionOf, labelOf, serverUrl, tooltipOf } from './explorerHelpers';
import { tracedAgentPython } from '../../harness/tracedAgentPython';

const chatExperiment = 'Chat traces';
const pagingExperiment = 'Trace paging';
const pythonExperiment = 'Python traces';

/** 2026-12-04 12:00:00.250 UTC, a time with an exact fraction. */
const t0 = Date.UTC(2026, 11, 4, 12, 0, 0) + 0.25;

/** A chat answer of 10 ms at `t0 + index` seconds, asking "question <index>". */
function answer(index: number, overrides: Partial<ChatTraceInput> = {}): ChatTraceInput {
  const start = t0 + index * 1000;
  return {
    source: 'local',
    model: 'phi3-mini-4k-int4',
    messages: [
      { role: 'system', content: 'Answer briefly.' },
      { role: 'user', content: `question ${String(index).padStart(2, '0')}` },
    ],
    settings: { max_new_tokens: 64, temperature: 0.5 },
    answer: `answer ${index}`,
    startMs: start,
    endMs: start + 10,
    promptTokens: 21,
    generatedTokens: 5,
    outcome: { kind: 'completed', finishReason: 'eos' },
    ...overrides,
  };
}

/** `2026-12-04 13:00` in the host's time zone, as the tree shows times. */
function localTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The Traces node of an experiment: the first child, before its runs. */
async function tracesOf(experiment: string): Promise<ExplorerNode> {
  const { explorer } = await connected();
  const children = await childrenOf(explorer.experiments, await child(explorer.experiments, undefined, experiment));
  assert.equal(labelOf(children[0]!), 'Traces');
  return children[0]!;
}

async function traceLabels(traces: ExplorerNode): Promise<string[]> {
  const { explorer } = await connected();
  return (await childrenOf(explorer.experiments, traces)).map(labelOf);
}

describe("an experiment's Traces in the explorer", function () {
  // Seeding runs MLflow's Python client, which takes a while to start on a busy machine.
  this.timeout(180_000);
  let client: MlflowClient;
  /** The chat traces' ids, oldest first: local eos, served eos, local stopped, served failed. */
  const chatIds: string[] = [];
  let chatExperimentId: string;
  let python: { experiment: string; agent: string; broken: string; hostile: string };

  before(async () => {
    await connected();
    client = new MlflowClient({ uri: parseTrackingUri(serverUrl), auth: { kind: 'none' } }, { maxRetries: 0 });
    chatExperimentId = await client.experiments.create(chatExperiment);
    const outcomes: Array<Partial<ChatTraceInput>> = [
      {},
      { source: 'served', model: 'http://127.0.0.1:5001/invocations' },
      { outcome: { kind: 'stopped' } },
      { source: 'served', outcome: { kind: 'failed', message: 'out of memory', errorType: 'EngineError' } },
    ];
    for (const [index, overrides] of outcomes.entries())
      chatIds.push((await client.traces.logTrace(chatExperimentId, chatTrace(answer(index, overrides)))).traceId);

    const paging = await client.experiments.create(pagingExperiment);
    await client.traces.logTraces(
      paging,
      Array.from({ length: 55 }, (_, index) => chatTrace(answer(index))),
    );

    python = await runMlflowPython(
      `
import json, os, sys
os.environ["MLFLOW_ENABLE_ASYNC_TRACE_LOGGING"] = "false"
import mlflow
ARGS = json.loads(sys.argv[1])
experiment = mlflow.create_experiment(ARGS["name"])
mlflow.set_experiment(experiment_id=experiment)

${tracedAgentPython}

with mlflow.start_span(name=ARGS["hostile"], span_type="TOOL") as span:
    span.set_inputs({"text": ARGS["hostile"]})
    span.set_outputs("ok")
hostile_id = mlflow.get_last_active_trace_id()
print(json.dumps({"experiment": experiment, "agent": agent_id, "broken": broken_id, "hostile": hostile_id}))
`,
      { name: pythonExperiment, hostile: hostileName },
      { trackingUri: serverUrl },
    );
    // The tree listed the experiments before these were made.
    (await connected()).explorer.experiments.refresh();
  });

  it('shows Traces first under the experiment, newest first, with the request, state, time and execution time', async () => {
    const { explorer } = await connected();
    const experiment = await child(explorer.experiments, undefined, chatExperiment);
    const children = await childrenOf(explorer.experiments, experiment);
    assert.deepEqual(children.map(labelOf), ['Traces', 'No runs']);
    const traces = children[0]!;
    assert.equal(contextOf(traces), 'traces');
    assert.equal((traces.treeItem().iconPath as vscode.ThemeIcon).id, 'pulse');
    const listed = await childrenOf(explorer.experiments, traces);
    assert.deepEqual(listed.map(labelOf), ['question 03', 'question 02', 'question 01', 'question 00']);
    // A stopped answer is an ERROR trace too (chatTrace.ts), told apart by its phi3.finishReason tag.
    assert.deepEqual(listed.map(descriptionOf), [
      `ERROR · ${localTime(t0 + 3000)} · 10ms`,
      `ERROR · ${localTime(t0 + 2000)} · 10ms`,
      `OK · ${localTime(t0 + 1000)} · 10ms`,
      `OK · ${localTime(t0)} · 10ms`,
    ]);
    assert.deepEqual(
      listed.map((n) => (n.treeItem().iconPath as vscode.ThemeIcon).id),
      ['error', 'error', 'pass', 'pass'],
    );
    assert.deepEqual(listed.map(contextOf), ['trace', 'trace', 'trace', 'trace']);
    assert.equal(
      tooltipOf(listed[0]!),
      [
        `Trace ID: ${chatIds[3]}`,
        'State: ERROR',
        `Request time: ${localTime(t0 + 3000)}`,
        'Execution time: 10ms',
        'Request: question 03',
        // The server's preview of a string output is its JSON.
        'Response: "answer 3"',
        'phi3.finishReason = error',
        'phi3.model = phi3-mini-4k-int4',
        'phi3.source = served',
      ].join('\n'),
    );
  });

  it('pages traces 50 at a time with a Load more item', async () => {
    const { explorer } = await connected();
    const traces = await tracesOf(pagingExperiment);
    let listed = await childrenOf(explorer.experiments, traces);
    assert.equal(listed.length, 51);
    assert.equal(labelOf(listed[0]!), 'question 54');
    assert.equal(labelOf(listed[49]!), 'question 05');
    assert.equal(labelOf(listed[50]!), 'Load more…');
    assert.equal(descriptionOf(listed[50]!), 'next 50 traces');
    await vscode.commands.executeCommand('phi3Mlflow.loadMore', listed[50]);
    listed = await childrenOf(explorer.experiments, traces);
    assert.equal(listed.length, 55);
    assert.deepEqual(listed.slice(50).map(labelOf), ['question 04', 'question 03', 'question 02', 'question 01', 'question 00']);
  });

  it('filters traces by state and by phi3 tags; Clear Trace Filter shows them all again', async () => {
    const { explorer } = await connected();
    const traces = await tracesOf(chatExperiment);
    const filter = (value: unknown) => vscode.commands.executeCommand<boolean>('phi3Mlflow.filterTraces', traces, value);
    // Counted on the real client, whose answers stay the real server's: the page that checks a filter is the page shown.
    const api = (traces as TracesNode).client.traces;
    const searchPage = api.searchPage.bind(api);
    const asked: Array<string | undefined> = [];
    api.searchPage = (search, ...rest) => {
      asked.push(search.filter);
      return searchPage(search, ...rest);
    };
    try {
      assert.equal(await filter({ status: 'ERROR' }), true);
      assert.deepEqual(await traceLabels(traces), ['question 03', 'question 02']);
      assert.deepEqual(asked, ["status = 'ERROR'"]);
      assert.equal(descriptionOf(traces), 'filter: ERROR');
      assert.equal(contextOf(traces), 'traces.filtered');

      assert.equal(await filter({ tags: { source: 'local' } }), true);
      assert.deepEqual(await traceLabels(traces), ['question 02', 'question 00']);
      assert.equal(descriptionOf(traces), 'filter: phi3.source=local');

      assert.equal(await filter({ status: 'ERROR', tags: { 'phi3.finishReason': 'stopped' } }), true);
      assert.deepEqual(await traceLabels(traces), ['question 02']);
      assert.equal(descriptionOf(traces), 'filter: ERROR · phi3.finishReason=stopped');

      assert.equal(await filter({ status: 'OK', tags: { model: 'http://127.0.0.1:5001/invocations', source: 'served' } }), true);
      assert.deepEqual(await traceLabels(traces), ['question 01']);

      assert.equal(await filter({ status: 'IN_PROGRESS' }), true);
      assert.deepEqual(await traceLabels(traces), ['No trace matches IN_PROGRESS']);

      // A tag the chat does not set is refused before anything is sent; the filter stays.
      assert.equal(await filter({ tags: { user: 'me' } }), undefined);
      assert.equal(descriptionOf(traces), 'filter: IN_PROGRESS');
    } finally {
      api.searchPage = searchPage;
      await vscode.commands.executeCommand('phi3Mlflow.clearTraceFilter', traces);
    }
    assert.equal(descriptionOf(traces), '');
    assert.equal(contextOf(traces), 'traces');
    assert.deepEqual(await traceLabels(traces), ['question 03', 'question 02', 'question 01', 'question 00']);
    // The experiment's own listing is untouched by the trace filter.
    assert.deepEqual((await childrenOf(explorer.experiments, await child(explorer.experiments, undefined, chatExperiment))).map(labelOf), [
      'Traces',
      'No runs',
    ]);
  });

  it("opens a trace made by MLflow's Python tracing to its span tree: name, type, duration, status", async () => {
    const { explorer } = await connected();
    const traces = await tracesOf(pythonExperiment);
    const listed = await childrenOf(explorer.experiments, traces);
    assert.deepEqual(listed.slice(1).map(labelOf), ['{}', '{"question": "why"}']);
    const agentTrace = listed[2]!;
    const [agent, ...others] = await childrenOf(explorer.experiments, agentTrace);
    assert.deepEqual(others, []);
    assert.equal(labelOf(agent!), 'agent');
    assert.match(descriptionOf(agent!), /^AGENT · \d+(\.\d+)?ms$/);
    assert.equal(agent!.treeItem().collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
    const spans = await childrenOf(explorer.experiments, agent);
    assert.deepEqual(spans.map(labelOf), ['plan', 'lookup']);
    assert.match(descriptionOf(spans[0]!), /^CHAIN · \d+(\.\d+)?ms$/);
    assert.match(descriptionOf(spans[1]!), /^TOOL · \d+(\.\d+)?ms$/);
    assert.deepEqual(spans.map(contextOf), ['traceSpan', 'traceSpan']);
    assert.deepEqual(await childrenOf(explorer.experiments, spans[0]), []);
    assert.equal(spans[0]!.treeItem().command?.command, 'phi3Mlflow.showTrace');

    const [broken] = await childrenOf(explorer.experiments, listed[1]);
    assert.equal(labelOf(broken!), 'broken');
    assert.match(descriptionOf(broken!), /^UNKNOWN · \d+(\.\d+)?ms · ERROR$/);
    assert.equal((broken!.treeItem().iconPath as vscode.ThemeIcon).id, 'error');
    assert.ok(tooltipOf(broken!).includes('Status: ERROR (ValueError: boom)'), tooltipOf(broken!));
  });

  it("shows a trace read-only: each span's inputs, outputs, attributes and timings; a span opens at its block", async () => {
    const { explorer } = await connected();
    const traces = await tracesOf(chatExperiment);
    const failed = (await childrenOf(explorer.experiments, traces))[0]!;
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('phi3Mlflow.showTrace', failed);
    try {
      assert.equal(editor.document.uri.toString(), `mlflow-trace:/${chatIds[3]}.txt`);
      const text = editor.document.getText();
      const trace = await client.traces.get(chatIds[3]!);
      const root = trace.roots[0]!.span;
      assert.ok(
        text.startsWith(
          [
            `Trace ${chatIds[3]}`,
            'State: ERROR',
            `Experiment: ${chatExperimentId}`,
            'Request time: 2026-12-04T12:00:03.000Z',
            'Execution time: 10ms',
            'Request: question 03',
            'Response: "answer 3"',
            '',
            'Tags:',
            '',
          ].join('\n'),
        ),
        text,
      );
      for (const line of ['  phi3.finishReason = error', '  phi3.model = phi3-mini-4k-int4', '  phi3.source = served'])
        assert.ok(text.includes(`\n${line}\n`), `${line} in\n${text}`);
      const block = [
        '',
        'Spans (1):',
        '',
        '  chat · CHAT_MODEL · ERROR: out of memory',
        `    Span ID: ${root.spanId}`,
        '    Start: +0ms (2026-12-04T12:00:03.000Z) · Duration: 10ms',
        '    Inputs:',
        '      {',
        '        "messages": [',
        '          {',
        '            "role": "system",',
        '            "content": "Answer briefly."',
        '          },',
        '          {',
        '            "role": "user",',
        '            "content": "question 03"',
        '          }',
        '        ],',
        '        "max_new_tokens": 64,',
        '        "temperature": 0.5',
        '      }',
        '    Outputs:',
        '      "answer 3"',
        '    Attributes:',
      ].join('\n');
      assert.ok(text.includes(block), text);
      for (const line of [
        '      mlflow.chat.tokenUsage = {"input_tokens":21,"output_tokens":5,"total_tokens":26}',
        '      mlflow.llm.model = "phi3-mini-4k-int4"',
        '      phi3.finish_reason = "error"',
        '      phi3.source = "served"',
        '    Events:',
        '      exception at +10ms {"exception.type":"EngineError","exception.message":"out of memory"}',
      ])
        assert.ok(text.includes(`\n${line}\n`), `${line} in\n${text}`);
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    }

    // A span: the same document, at the span's own block.
    const python = await tracesOf(pythonExperiment);
    const agentTrace = (await childrenOf(explorer.experiments, python))[2]!;
    const [agent] = await childrenOf(explorer.experiments, agentTrace);
    const [, lookup] = await childrenOf(explorer.experiments, agent);
    const atSpan = await vscode.commands.executeCommand<vscode.TextEditor>('phi3Mlflow.showTrace', lookup);
    try {
      const line = atSpan.selection.active.line;
      assert.match(atSpan.document.lineAt(line).text, /^ {4}lookup · TOOL · OK$/);
      const rest = atSpan.document.getText().split('\n').slice(line);
      assert.deepEqual(
        rest.find((l) => l.includes('"q"')),
        '          "q": "why"',
      );
      assert.ok(rest.includes('          "hits": ['), rest.join('\n'));
      assert.ok(atSpan.document.getText().includes('\n        steps = 1\n'), atSpan.document.getText());
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    }
  });

  it('shows a span and a request named with markup and a right-to-left override as text, the override visible', async () => {
    const api = await connected();
    const tree = api.explorer.experiments;
    const traces = await tracesOf(pythonExperiment);
    const hostile = (await childrenOf(tree, traces))[0]!;
    const item = tree.getTreeItem(hostile);
    // The label is the request preview cut at 80 characters; the tooltip has all of it.
    assert.equal(item.label, `${`{"text": "${hostileName}"}`.slice(0, 79)}…`);
    assert.ok((item.tooltip as string).includes(`\nRequest: {"text": "${hostileNameShown}"}\n`), item.tooltip as string);
    const [span] = await childrenOf(tree, hostile);
    const spanItem = tree.getTreeItem(span!);
    assert.equal(spanItem.label, hostileNameShown);
    assert.equal(typeof spanItem.tooltip, 'string');
    assert.ok((spanItem.tooltip as string).startsWith(`${hostileNameShown}\nSpan ID: `), spanItem.tooltip as string);
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('phi3Mlflow.showTrace', span);
    try {
      const text = editor.document.getText();
      assert.equal(hasBidiControl(text), false);
      assert.equal(editor.document.lineAt(editor.selection.active.line).text, `  ${hostileNameShown} · TOOL · OK`);
      // In JSON the override is its escape: the value reads back as the server's.
      const escaped = JSON.stringify(hostileName).replace('\u202E', '\\u202E');
      assert.ok(text.includes(`\n      {\n        "text": ${escaped}\n      }\n`), text);
      assert.equal(JSON.parse(escaped), hostileName);
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    }
  });

  it("opens a trace in MLflow's UI in its experiment's Traces tab, the trace selected", async () => {
    const traces = await tracesOf(pythonExperiment);
    const { explorer } = await connected();
    const [, , agentTrace] = await childrenOf(explorer.experiments, traces);
    assert.equal(agentTrace!.webUiPath(), `/experiments/${python.experiment}/traces?selectedEvaluationId=${python.agent}`);
    const [agent] = await childrenOf(explorer.experiments, agentTrace);
    assert.equal(agent!.webUiPath(), agentTrace!.webUiPath());
    assert.equal(traces.webUiPath(), `/experiments/${python.experiment}/traces`);
    assert.deepEqual([python.broken.startsWith('tr-'), python.hostile.startsWith('tr-')], [true, true]);
  });
});
