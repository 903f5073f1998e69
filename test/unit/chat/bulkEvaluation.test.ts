/**
 * A scored bulk run logged to a real MLflow 3 server: the run's pass-rate metrics and table, and
 * each answer's trace with its assessments, read back through MLflow's own Python client
 * (`mlflow.get_trace(id).info.assessments`, `search_traces(run_id=…)`, `search_runs`), as its
 * evaluation UI reads them.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { logBulkAssessments } from '../../../src/chat/bulkAssessments';
import { evaluationNames, judgeOf, scoreBulkRows, type BulkEvaluation } from '../../../src/chat/bulkEvaluation';
import { parseBulkPrompts } from '../../../src/chat/bulkPrompts';
import { bulkRunRequest, bulkTable, type BulkRow } from '../../../src/chat/bulkResults';
import { LocalChatBackend } from '../../../src/chat/chatBackend';
import { logChatRun } from '../../../src/chat/chatRunLogger';
import { defaultChatSettings } from '../../../src/chat/generationSettings';
import type { JudgeModel } from '../../../src/evaluation/judge';
import { parseScoringChoice } from '../../../src/evaluation/scoringChoice';
import { MlflowClient } from '../../../src/mlflow/client';
import type { MlflowError } from '../../../src/mlflow/errors';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { chatTrace } from '../../../src/mlflow/traces/chatTrace';
import { mlflowTraceId } from '../../../src/mlflow/traces/traceRecord';
import { runMlflowPython } from '../../harness/mlflowPython';
import { type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';
import { repoRoot } from '../../harness/paths';

const loggedAt = new Date('2026-12-04T22:40:00.000Z');
const settings = { ...defaultChatSettings, maxNewTokens: 16 };
const model = { kind: 'local', location: '/models/phi3-tiny' } as const;
const t0 = Date.UTC(2026, 11, 4, 22, 30);

function bulkRows(): BulkRow[] {
  const { prompts, problems } = parseBulkPrompts(
    [
      '{"prompt": "Capital of France?", "expected": "Paris"}',
      '{"prompt": "Give me JSON"}',
      '{"prompt": "Capital of Italy?", "expected": "Rome"}',
      '{"prompt": "x", "expected": 3}',
    ].join('\n'),
  );
  assert.deepEqual(problems, [{ line: 4, message: '"expected" must be text' }]);
  const figures = (newTokens: number, ttft: number, speed: number) => ({
    newTokens,
    promptTokens: 9,
    timeToFirstTokenMs: ttft,
    tokensPerSecond: speed,
    stopReason: 'eos',
  });
  return [
    { prompt: prompts[0]!, answers: [{ text: 'Paris', latencyMs: 150, startedAtMs: t0, figures: figures(2, 40, 50) }] },
    { prompt: prompts[1]!, answers: [{ text: '{"ok": true}', latencyMs: 420, startedAtMs: t0 + 1000, figures: figures(6, 60, 20) }] },
    { prompt: prompts[2]!, answers: [{ text: 'Milan', latencyMs: 130, startedAtMs: t0 + 2000, figures: figures(2, 35, 55) }] },
  ];
}

describe('a scored bulk run on a real MLflow server', () => {
  let server: MlflowServer;
  let client: MlflowClient;
  let experimentId: string;

  before(async () => {
    server = await startMlflowServer();
    client = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
    experimentId = await client.experiments.create('evaluation-tests');
  });
  after(async () => server?.stop());

  it('logs pass rates as metrics and each score as an assessment on its answer’s trace, which MLflow’s client reads back', async () => {
    const rows = bulkRows();
    const choice = parseScoringChoice({
      scorers: [{ kind: 'exact_match' }, { kind: 'json_valid' }, { kind: 'latency', measure: 'total', maxMs: '400' }],
      judgeRubric: 'Be right.',
    });
    const replies = ['Result: PASS\nRationale: Paris is right.', 'Result: FAIL\nRationale: Not asked for.', 'Looks fine to me'];
    const judge: JudgeModel = { ask: async () => replies.shift()! };
    const scores = await scoreBulkRows(rows, choice, { judge });
    const evaluation: BulkEvaluation = {
      choice,
      judge: { title: 'phi3-judge', sourceId: 'models:/phi3-judge/1' },
      names: evaluationNames(choice),
      scores,
    };
    assert.deepEqual(evaluation.names, ['exact_match', 'json_valid', 'latency', 'judge']);
    assert.deepEqual(
      scores.map((perModel) => perModel[0]!.map((result) => result.outcome)),
      [
        ['pass', 'fail', 'pass', 'pass'],
        ['skipped', 'pass', 'fail', 'fail'],
        ['fail', 'fail', 'pass', 'error'],
      ],
    );
    assert.deepEqual(bulkTable(1, rows, evaluation).columns, [
      'line',
      'prompt',
      'expected',
      'answer',
      'new_tokens',
      'latency_ms',
      'tokens_per_second',
      'error',
      'exact_match',
      'json_valid',
      'latency',
      'judge',
    ]);

    const request = bulkRunRequest({ models: [model], settings, rows, loggedAt, evaluation });
    const logged = await logChatRun(client, experimentId, request);
    const written = await logBulkAssessments(client, { experimentId, runId: logged.runId, models: [model], settings, rows, evaluation });
    // 3 traces; 2 expectations, and 12 scores less the one skipped.
    assert.deepEqual(written, { traces: 3, assessments: 13, missingTraces: [] });

    const read = await runMlflowPython<{
      metrics: Record<string, number>;
      tags: Record<string, string>;
      params: Record<string, string>;
      traces: Array<{
        line: string;
        run: string;
        assessments: Array<{
          name: string;
          kind: string;
          value: unknown;
          error: string | null;
          source: [string, string];
          rationale: string | null;
          run: string | null;
          span: boolean;
        }>;
      }>;
    }>(
      [
        'import json, sys, mlflow',
        'from mlflow.entities import Feedback, Expectation',
        'args = json.loads(sys.argv[1])',
        'run = mlflow.get_run(args["run"])',
        'found = mlflow.search_traces(locations=[args["experiment"]], run_id=args["run"], return_type="list", order_by=["timestamp_ms ASC"])',
        'traces = []',
        'for t in found:',
        '    full = mlflow.get_trace(t.info.trace_id)',
        '    root = full.data.spans[0].span_id',
        '    items = []',
        '    for a in sorted(full.info.assessments, key=lambda a: (a.name)):',
        '        items.append({"name": a.name, "kind": type(a).__name__, "value": a.value,',
        '            "error": a.error.error_code if isinstance(a, Feedback) and a.error else None,',
        '            "source": [a.source.source_type, a.source.source_id], "rationale": a.rationale if isinstance(a, Feedback) else None,',
        '            "run": (a.metadata or {}).get("mlflow.assessment.sourceRunId"), "span": a.span_id == root})',
        '    traces.append({"line": full.info.tags.get("phi3.bulkLine"), "run": full.info.trace_metadata.get("mlflow.sourceRun"), "assessments": items})',
        'print(json.dumps({"metrics": run.data.metrics, "tags": run.data.tags, "params": run.data.params, "traces": traces}))',
      ].join('\n'),
      { run: logged.runId, experiment: experimentId },
      { trackingUri: server.url },
    );
    assert.deepEqual(Object.fromEntries(Object.entries(read.metrics).filter(([key]) => key.includes('/'))), {
      'exact_match/mean': 0.5,
      'json_valid/mean': 1 / 3,
      'latency/mean': 2 / 3,
      'judge/mean': 0.5,
    });
    assert.equal(read.tags['mlflow.runType'], 'genai_evaluate');
    assert.equal(read.params.scorers, 'exact_match, json_valid, latency, judge');
    assert.equal(read.params.judge_model, 'models:/phi3-judge/1');
    assert.deepEqual(
      read.traces.map((t) => [t.line, t.run]),
      [
        ['1', logged.runId],
        ['2', logged.runId],
        ['3', logged.runId],
      ],
    );
    const code = (name: string) => ['CODE', name] as [string, string];
    const judgeSource: [string, string] = ['LLM_JUDGE', 'models:/phi3-judge/1'];
    const feedback = (name: string, value: unknown, source: [string, string], rationale: string | null, error: string | null = null) => ({
      name,
      kind: 'Feedback',
      value,
      error,
      source,
      rationale,
      run: logged.runId,
      span: true,
    });
    const expectation = (value: string, line: number) => ({
      name: 'expected_response',
      kind: 'Expectation',
      value,
      error: null,
      source: ['HUMAN', `line ${line} of the bulk file`],
      rationale: null,
      run: null,
      span: true,
    });
    assert.deepEqual(read.traces[0]!.assessments, [
      feedback('exact_match', true, code('exact_match'), 'The answer is the expected answer.'),
      expectation('Paris', 1),
      feedback('json_valid', false, code('json_valid'), `The answer is not valid JSON: Unexpected token 'P', "Paris" is not valid JSON.`),
      feedback('judge', true, judgeSource, 'Paris is right.'),
      feedback('latency', true, code('latency'), 'The latency is 150 ms (at most 400 ms).'),
    ]);
    assert.deepEqual(read.traces[1]!.assessments, [
      feedback('json_valid', true, code('json_valid'), 'The answer is valid JSON.'),
      feedback('judge', false, judgeSource, 'Not asked for.'),
      feedback('latency', false, code('latency'), 'The latency is 420 ms (more than 400 ms).'),
    ]);
    assert.deepEqual(read.traces[2]!.assessments, [
      feedback('exact_match', false, code('exact_match'), 'The answer "Milan" is not the expected "Rome".'),
      expectation('Rome', 3),
      feedback('json_valid', false, code('json_valid'), `The answer is not valid JSON: Unexpected token 'M', "Milan" is not valid JSON.`),
      feedback('judge', null, judgeSource, null, 'MALFORMED_JUDGE_ANSWER'),
      feedback('latency', true, code('latency'), 'The latency is 130 ms (at most 400 ms).'),
    ]);

    // The client reads one back as it stored it.
    const created = await client.assessments.create({
      traceId: (await client.traces.searchPage({ experimentIds: [experimentId] })).items[0]!.traceId,
      name: 'human_check',
      source: { sourceType: 'HUMAN', sourceId: 'tester' },
      body: { kind: 'feedback', value: 4 },
      rationale: 'Good enough.',
    });
    const again = await client.assessments.get(created.traceId, created.assessmentId);
    assert.deepEqual(
      { name: again.name, source: again.source, body: again.body, rationale: again.rationale },
      {
        name: 'human_check',
        source: { sourceType: 'HUMAN', sourceId: 'tester' },
        body: { kind: 'feedback', value: 4 },
        rationale: 'Good enough.',
      },
    );
    assert.ok(Math.abs(again.createTimeMs - Date.now()) < 60_000, `created at ${again.createTimeMs}`);
    await assert.rejects(
      client.assessments.create({ ...created, name: 'has.dot' }),
      /An assessment name may not contain "\." \(got "has\.dot"\)/,
    );
  });
  it('uses the traces the answers already have, once their logging is done, and leaves out those the server does not have', async () => {
    const [first, second] = bulkRows();
    // As the panel's tracing logs an answer while the bulk run goes: the trace exists before scoring.
    const record = chatTrace({
      source: 'local',
      model: 'phi3-tiny',
      messages: first!.prompt.messages,
      settings: {},
      answer: 'Paris',
      startMs: t0,
      endMs: t0 + 150,
      outcome: { kind: 'completed', finishReason: 'eos' },
    });
    const existing = mlflowTraceId(record.otelTraceId);
    let flushed = 0;
    const lost = `tr-${'0'.repeat(31)}1`;
    const rows: BulkRow[] = [
      { prompt: first!.prompt, answers: [{ ...first!.answers[0]!, traceId: existing }] },
      { prompt: second!.prompt, answers: [{ ...second!.answers[0]!, traceId: lost }] },
    ];
    const choice = parseScoringChoice({ scorers: [{ kind: 'exact_match' }, { kind: 'json_valid' }] });
    const evaluation: BulkEvaluation = { choice, names: evaluationNames(choice), scores: await scoreBulkRows(rows, choice) };
    const logged = await logChatRun(client, experimentId, bulkRunRequest({ models: [model], settings, rows, loggedAt, evaluation }));
    const written = await logBulkAssessments(client, {
      experimentId,
      runId: logged.runId,
      models: [model],
      settings,
      rows,
      evaluation,
      tracesLogged: async () => {
        flushed++;
        await client.traces.logTrace(experimentId, record);
      },
    });
    assert.equal(flushed, 1);
    // Row 1: the expectation and two scores; row 2 (its trace lost): nothing.
    assert.deepEqual(written, { traces: 1, assessments: 3, missingTraces: [lost] });
    const read = await runMlflowPython<{ linked: string[]; names: string[] }>(
      [
        'import json, sys, mlflow',
        'args = json.loads(sys.argv[1])',
        'found = mlflow.search_traces(locations=[args["experiment"]], run_id=args["run"], return_type="list")',
        'names = sorted(a.name for a in mlflow.get_trace(args["trace"]).info.assessments)',
        'print(json.dumps({"linked": [t.info.trace_id for t in found], "names": names}))',
      ].join('\n'),
      { run: logged.runId, experiment: experimentId, trace: existing },
      { trackingUri: server.url },
    );
    assert.deepEqual(read, { linked: [existing], names: ['exact_match', 'expected_response', 'json_valid'] });
  });
});

describe('a judge that is a real chat model', () => {
  let backend: LocalChatBackend | undefined;
  after(() => backend?.dispose());

  it('is asked through the chat backend, and a reply without PASS or FAIL (random weights) is reported as malformed', async () => {
    backend = new LocalChatBackend(
      { kind: 'local', folder: join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-genai-int4') },
      () => undefined,
    );
    await backend.open();
    const rows = bulkRows().slice(0, 1);
    const choice = parseScoringChoice({ scorers: [{ kind: 'exact_match' }], judgeRubric: 'Be right.' });
    const scores = await scoreBulkRows(rows, choice, { judge: judgeOf(backend) });
    assert.equal(scores.length, 1);
    const [exact, judged] = scores[0]![0]!;
    assert.deepEqual(exact, { name: 'exact_match', outcome: 'pass', rationale: 'The answer is the expected answer.' });
    assert.equal(judged!.name, 'judge');
    assert.equal(judged!.outcome, 'error');
    assert.match(judged!.rationale, /^The judge's answer says neither PASS nor FAIL: ".+"$/s);

    // Stopped before the judge is asked: no row is scored.
    const stopped = new AbortController();
    stopped.abort();
    assert.deepEqual(await scoreBulkRows(rows, choice, { judge: judgeOf(backend), signal: stopped.signal }), []);
  });
});

describe('a scored bulk run on an MLflow 2 server', () => {
  let server: MlflowServer;
  after(async () => server?.stop());

  it('keeps the pass rates in the run, and refuses the assessments before sending anything', async () => {
    server = await startMlflowServer({ mlflowMajor: 2 });
    const client = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
    const experimentId = await client.experiments.create('evaluation-mlflow2');
    const rows = bulkRows();
    const choice = parseScoringChoice({ scorers: [{ kind: 'exact_match' }] });
    const evaluation: BulkEvaluation = { choice, names: evaluationNames(choice), scores: await scoreBulkRows(rows, choice) };
    const logged = await logChatRun(client, experimentId, bulkRunRequest({ models: [model], settings, rows, loggedAt, evaluation }));
    const run = await client.runs.get(logged.runId);
    assert.equal(run.metrics.find((m) => m.key === 'exact_match/mean')?.value, 0.5);
    await assert.rejects(
      logBulkAssessments(client, { experimentId, runId: logged.runId, models: [model], settings, rows, evaluation }),
      (error: MlflowError) => {
        assert.equal(error.kind, 'unsupported');
        assert.match(error.message, /^Traces need an MLflow 3\.4 server; http:\/\/127\.0\.0\.1:\d+ runs MLflow 2\.22\.\d+$/);
        return true;
      },
    );
    const traces = await runMlflowPython<number>(
      'import json, sys, mlflow\nprint(len(mlflow.search_traces(experiment_ids=[json.loads(sys.argv[1])])))',
      experimentId,
      { trackingUri: server.url, mlflowMajor: 2 },
    );
    assert.equal(traces, 0);
  });
});
