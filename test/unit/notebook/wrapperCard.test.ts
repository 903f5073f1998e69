import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoggedWrapperModel } from '../../../src/mlflow/logWrapperModel';
import { cardFacts, markdownText, progressLine, wrapperCard } from '../../../src/notebook/wrapperCard';

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

  it('says what logging is doing, with the upload\'s bytes and percent', () => {
    assert.equal(progressLine({ phase: 'uploading', bytesDone: 3 * 1024 * 1024, bytesTotal: 12 * 1024 * 1024 }), 'Uploading the model: 3 MiB of 12 MiB (25%)… Interrupt the cell to cancel.');
    assert.equal(progressLine({ phase: 'registering' }), 'Registering the model…');
  });
});
