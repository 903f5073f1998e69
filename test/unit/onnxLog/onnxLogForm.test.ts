/** The "Log ONNX Folder as MLflow Model…" form's checks (run by its page and again by the extension) and its message parser. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkOnnxLogForm, defaultFormValues } from '../../../src/onnxLog/onnxLogForm';
import { parseOnnxLogViewMessage } from '../../../src/onnxLog/onnxLogProtocol';

describe('the ONNX folder log form', () => {
  it('the defaults log to Default as phi3-mlflow-model with the artifact phi3-mini-onnx, unregistered, the folder’s search options', () => {
    assert.deepEqual(checkOnnxLogForm(defaultFormValues()), {
      ok: true,
      fields: { experiment: 'Default', modelName: 'phi3-mlflow-model', artifactName: 'phi3-mini-onnx', searchOptions: {} },
    });
  });

  it('trims names, keeps the optional ones given, and reads search options as numbers and booleans', () => {
    const result = checkOnnxLogForm({
      ...defaultFormValues(),
      experiment: '  Phi-3 wrappers ',
      runName: ' first ',
      registeredModelName: ' phi3-mini-onnx ',
      alias: ' champion ',
      searchOptions: { max_length: ' 2048 ', do_sample: 'false', temperature: '0.7', top_p: '', top_k: '40' },
    });
    assert.deepEqual(result, {
      ok: true,
      fields: {
        experiment: 'Phi-3 wrappers',
        runName: 'first',
        modelName: 'phi3-mlflow-model',
        artifactName: 'phi3-mini-onnx',
        registeredModelName: 'phi3-mini-onnx',
        alias: 'champion',
        searchOptions: { max_length: 2048, do_sample: false, temperature: 0.7, top_k: 40 },
      },
    });
  });

  it('says what is wrong with each bad field at once', () => {
    const result = checkOnnxLogForm({
      experiment: ' ',
      runName: 'run\u202Egnp',
      modelName: '-model',
      artifactName: 'phi3 onnx',
      registeredModelName: '',
      alias: 'champion',
      searchOptions: { max_length: 'lots', temperature: '0', top_p: '1.5', top_k: '2.5', do_sample: 'yes' },
    });
    assert.deepEqual(result, {
      ok: false,
      problems: {
        experiment: 'Enter an experiment name',
        runName: 'A run name cannot hold control characters or bidirectional overrides',
        modelName: 'Use letters, digits, ".", "_" and "-", starting with a letter or digit',
        artifactName: 'Use letters, digits, ".", "_" and "-", starting with a letter or digit',
        alias: 'An alias needs a registered model name: it names a version of a registered model',
        'searchOptions.max_length': 'max_length must be a whole number of 1 or more (got "lots")',
        'searchOptions.do_sample': 'do_sample must be true or false (got "yes")',
        'searchOptions.temperature': 'temperature must be a number above 0 (got 0)',
        'searchOptions.top_k': 'top_k must be a whole number of 0 or more (got 2.5)',
        'searchOptions.top_p': 'top_p must be above 0 and at most 1 (got 1.5)',
      },
    });
  });

  it('refuses the aliases MLflow keeps for versions, and characters an alias cannot have', () => {
    const withAlias = (alias: string) => checkOnnxLogForm({ ...defaultFormValues(), registeredModelName: 'phi3', alias });
    assert.deepEqual(withAlias('latest'), {
      ok: false,
      problems: { alias: 'An alias cannot be "latest": MLflow reserves "latest" and v<number> for versions' },
    });
    assert.deepEqual(withAlias('V3'), {
      ok: false,
      problems: { alias: 'An alias cannot be "V3": MLflow reserves "latest" and v<number> for versions' },
    });
    assert.deepEqual(withAlias('prod.1'), { ok: false, problems: { alias: 'An alias is letters, digits, "_" and "-"' } });
  });

  it('takes only well-formed messages from the page', () => {
    const values = defaultFormValues();
    assert.deepEqual(parseOnnxLogViewMessage({ type: 'submit', values }), { type: 'submit', values });
    assert.equal(parseOnnxLogViewMessage({ type: 'submit', values: { ...values, alias: 3 } }), undefined);
    assert.equal(parseOnnxLogViewMessage({ type: 'submit', values: { ...values, searchOptions: { top_k: 3 } } }), undefined);
    assert.deepEqual(parseOnnxLogViewMessage({ type: 'submit', values: { ...values, searchOptions: { nonsense: 'x' } } }), {
      type: 'submit',
      values,
    });
    assert.deepEqual(parseOnnxLogViewMessage({ type: 'action', action: 'register' }), { type: 'action', action: 'register' });
    assert.equal(parseOnnxLogViewMessage({ type: 'action', action: 'deleteEverything' }), undefined);
    assert.deepEqual(parseOnnxLogViewMessage({ type: 'cancel', extra: 1 }), { type: 'cancel' });
    assert.equal(parseOnnxLogViewMessage('submit'), undefined);
  });
});
