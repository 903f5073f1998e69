import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { LoggedWrapperModel } from '../../../src/mlflow/logWrapperModel';
import {
  cardActionsFor,
  cardFacts,
  checkedCardFacts,
  markdownText,
  nameProblem,
  progressLine,
  pythonLoggedModelCard,
  wrapperCard,
} from '../../../src/notebook/wrapperCard';
import { repoRoot } from '../../harness/paths';

const logged: LoggedWrapperModel = {
  modelUri: 'models:/m-0123abcd',
  experimentId: '7',
  runId: 'f'.repeat(32),
  modelId: 'm-0123abcd',
  artifactUri: 'mlflow-artifacts:/7/models/m-0123abcd/artifacts',
  signature: { inputs: [{ name: 'prompt', type: 'string', required: true }], outputs: [{ type: 'string', required: true }] },
  mlflowVersion: '3.17.2',
  files: 14,
  bytes: 6 * 1024 * 1024,
  registeredVersion: { name: 'phi3 <b>x</b>', version: '2', aliases: ['champion'] } as unknown as LoggedWrapperModel['registeredVersion'],
};

describe('the logged-model card', () => {
  it('shows the model URI, run, experiment, signature, files and registration; names from outside stay inert text', () => {
    const card = wrapperCard(logged, 'my_experiment [x](http://evil)');
    assert.equal(
      card.markdown,
      [
        '**Logged the wrapper model** `models:/m-0123abcd`',
        '',
        '| | |',
        '| --- | --- |',
        '| Model URI | models:/m\\-0123abcd |',
        `| Run | ${'f'.repeat(32)} |`,
        '| Experiment | my\\_experiment \\[x\\]\\(http://evil\\) \\(7\\) |',
        '| Signature | prompt: string → string |',
        '| Files | 14 files, 6 MiB, MLflow 3\\.17\\.2 |',
        '| Registered | phi3 \\<b\\>x\\</b\\> version 2 \\(alias champion\\) |',
        '',
        "Actions are in the cell's status bar: Show in MLflow Explorer, Test in Chat, Copy Model URI, Register….",
      ].join('\n'),
    );
    assert.equal(card.plain.split('\n')[0], 'Logged the wrapper model');
    assert.deepEqual(cardFacts(logged, '/models/phi3'), {
      model_uri: 'models:/m-0123abcd',
      run_id: 'f'.repeat(32),
      experiment_id: '7',
      model_id: 'm-0123abcd',
      artifact_uri: 'mlflow-artifacts:/7/models/m-0123abcd/artifacts',
      onnx_folder: '/models/phi3',
      registered_model: { name: 'phi3 <b>x</b>', version: '2', aliases: ['champion'] },
    });
    assert.equal(markdownText('a|b'), 'a\\|b');
  });

  it("says what logging is doing, with the upload's bytes and percent", () => {
    assert.equal(
      progressLine({ phase: 'uploading', bytesDone: 3 * 1024 * 1024, bytesTotal: 12 * 1024 * 1024 }),
      'Uploading the model: 3 MiB of 12 MiB (25%)… Interrupt the cell to cancel.',
    );
    assert.equal(progressLine({ phase: 'registering' }), 'Registering the model…');
  });
});

describe('the card of a model a Python cell logged', () => {
  const reported = {
    model_uri: 'models:/m-feed',
    run_id: 'a'.repeat(32),
    model_id: 'm-feed',
    artifact_path: 'phi3-mlflow-model',
    flavors: ['python_function'],
    mlflow_version: '3.17.2',
    experiment_id: '4',
    experiment: 'phi3-wrappers',
    artifact_uri: 'mlflow-artifacts:/4/aaaa/artifacts/phi3-mlflow-model',
    signature: {
      inputs: '[{"type": "string", "name": "prompt", "required": true}]',
      outputs: '[{"type": "string", "required": true}]',
      params: null,
    },
    registered_model: { name: 'phi3 <i>', version: '3', aliases: [] },
    onnx_folder: '/models/phi3',
  };

  it('shows what the kernel reported, as inert text, and keeps the facts the actions need', () => {
    const card = pythonLoggedModelCard(reported)!;
    assert.equal(
      card.markdown,
      [
        '**Logged the model** `models:/m-feed`',
        '',
        '| | |',
        '| --- | --- |',
        '| Model URI | models:/m\\-feed |',
        `| Run | ${'a'.repeat(32)} |`,
        '| Experiment | phi3\\-wrappers \\(4\\) |',
        '| Signature | prompt: string → string |',
        '| Flavors | python\\_function, MLflow 3\\.17\\.2 |',
        '| Registered | phi3 \\<i\\> version 3 |',
        '',
        "Actions are in the cell's status bar: Show in MLflow Explorer, Test in Chat, Copy Model URI, Register….",
      ].join('\n'),
    );
    assert.deepEqual(card.facts, {
      model_uri: 'models:/m-feed',
      run_id: 'a'.repeat(32),
      experiment_id: '4',
      model_id: 'm-feed',
      artifact_uri: 'mlflow-artifacts:/4/aaaa/artifacts/phi3-mlflow-model',
      onnx_folder: '/models/phi3',
      registered_model: { name: 'phi3 <i>', version: '3', aliases: [] },
    });
  });

  it('shows an llm/v1/chat signature (mlflow.transformers) as messages in, a chat completion out, its many optional params folded', () => {
    // The signature MLflow 3.17.2 gave a text-generation pipeline logged with task="llm/v1/chat" (ModelSignature.to_dict()).
    const signature = JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'signatures', 'llm-v1-chat.json'), 'utf8')) as {
      inputs: string;
      outputs: string;
    };
    const card = pythonLoggedModelCard({ ...reported, flavors: ['transformers', 'python_function'], onnx_folder: undefined, signature })!;
    assert.equal(
      card.plain.split('\n').find((line) => line.startsWith('Signature: ')),
      'Signature: messages: array<object>, + 11 optional (temperature, max_tokens, stop, n, stream, top_p, top_k, frequency_penalty, presence_penalty, tools, custom_inputs)' +
        ' → id: string, object: string, created: long, model: string, choices: array<object>, usage: object (optional), custom_outputs: map (optional)',
    );
    assert.match(card.markdown, /\| Flavors \| transformers, python\\_function, MLflow 3\\\.17\\\.2 \|/);
  });

  it('leaves out Test in Chat without an ONNX folder, and refuses a report without a model URI or run', () => {
    const card = pythonLoggedModelCard({ ...reported, onnx_folder: undefined, registered_model: undefined, signature: undefined })!;
    assert.equal(
      card.markdown.split('\n').at(-1),
      "Actions are in the cell's status bar: Show in MLflow Explorer, Copy Model URI, Register….",
    );
    assert.ok(!card.markdown.includes('Signature'));
    assert.equal(card.facts.onnx_folder, undefined);
    assert.equal(pythonLoggedModelCard({ run_id: 'x' }), undefined);
    assert.equal(pythonLoggedModelCard({ model_uri: 'models:/m', run_id: 3 }), undefined);
    assert.equal(pythonLoggedModelCard('models:/m'), undefined);
  });
});

describe("a saved card's facts drive no action untrusted, nor unchecked", () => {
  const good = {
    model_uri: 'models:/m-0123abcd',
    run_id: 'f'.repeat(32),
    experiment_id: '7',
    model_id: 'm-0123abcd',
    artifact_uri: 'mlflow-artifacts:/7/models/m-0123abcd/artifacts',
    onnx_folder: '/models/phi3',
    registered_model: { name: 'phi3 <b>x</b>', version: '2', aliases: ['champion'] },
  };

  it('offers no action in an untrusted workspace, whatever the file says', () => {
    assert.deepEqual(cardActionsFor(good, false), { kind: 'untrusted' });
    assert.deepEqual(cardActionsFor(good, true), { kind: 'actions', facts: good });
    assert.equal(cardActionsFor(undefined, true), undefined, 'no card, no items');
  });

  it('takes the facts a card writes (MLflow 3 and MLflow 2 alike)', () => {
    assert.deepEqual(checkedCardFacts(cardFacts(logged, '/models/phi3')), { facts: cardFacts(logged, '/models/phi3') });
    const mlflow2 = {
      model_uri: `runs:/${'a'.repeat(32)}/model`,
      run_id: 'a'.repeat(32),
      experiment_id: '1',
      artifact_uri: `mlflow-artifacts:/1/${'a'.repeat(32)}/artifacts/model`,
    };
    assert.ok('facts' in checkedCardFacts(mlflow2));
  });

  for (const [what, change, why] of [
    ['a file URI as the model URI', { model_uri: 'file:///etc/passwd' }, /not a models:\/ or runs:\/ URI/],
    ['an https URL as the model URI', { model_uri: 'https://attacker.example/model' }, /not a models:\/ or runs:\/ URI/],
    ['a newline in the model URI', { model_uri: 'models:/m-1\n--extra' }, /not a models:\/ or runs:\/ URI/],
    ['a model id that is not an m- id', { model_id: '../../x' }, /not an m- id/],
    ['a run id with a slash', { run_id: 'abc/../def' }, /not an MLflow run id/],
    [
      'a registered name with an RTL override',
      { registered_model: { name: 'phi3\u202Egnp.exe', version: '1', aliases: [] } },
      /not a plain name/,
    ],
    [
      'a registered name with a control character',
      { registered_model: { name: 'phi3\u0007', version: '1', aliases: [] } },
      /not a plain name/,
    ],
    ['an ONNX folder with a NUL', { onnx_folder: '/models/\u0000phi3' }, /ONNX folder holds control characters/],
  ] as const) {
    it(`refuses ${what}`, () => {
      const checked = checkedCardFacts({ ...good, ...change });
      assert.ok('problem' in checked, what);
      assert.match(checked.problem, why);
      assert.equal(cardActionsFor({ ...good, ...change }, true)?.kind, 'refused');
    });
  }

  it('a typed registered name: no control characters or bidirectional overrides', () => {
    assert.equal(nameProblem('phi3-mini onnx'), undefined);
    assert.equal(nameProblem('  '), 'Enter a name');
    assert.match(nameProblem('evil\u202Etxt.exe') ?? '', /control characters or bidirectional overrides/);
    assert.match(nameProblem('a\tb') ?? '', /control characters/);
  });
});
