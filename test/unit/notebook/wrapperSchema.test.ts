import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { wrapperSchemaProblems } from '../../../src/notebook/wrapperSchemaCheck';
import { wrapperSchemaCompletions } from '../../../src/notebook/wrapperSchemaCompletion';

/** Problems as "line:column-endLine:endColumn message" (0-based), for exact comparison. */
const problems = (text: string) => wrapperSchemaProblems(text).map((p) => `${p.line}:${p.column}-${p.endLine}:${p.endColumn} ${p.message}`);

/** Completions at the `|` in the text, as "kind label → insertText". */
function completionsAt(marked: string) {
  const offset = marked.indexOf('|');
  const text = marked.replace('|', '');
  const before = text.slice(0, offset).split('\n');
  const line = before.length - 1;
  const character = before[line]!.length;
  return wrapperSchemaCompletions(text, line, character);
}
const labels = (marked: string) => completionsAt(marked).map((c) => c.label);

describe('mlflow-wrapper cells against the JSON schema, while typed', () => {
  it('finds nothing wrong in a cell that fits the schema, or an empty one', () => {
    assert.deepEqual(
      problems(
        'recipe: custom-onnx-pyfunc\nonnx_folder: ./models/cpu-int4\nsearch_options:\n  max_length: 64\n  temperature: 0.5\nsignature:\n  inputs:\n    - name: prompt\n      type: string\n  outputs:\n    - type: string\nregistered_model_name: phi3\nalias: champion\n',
      ),
      [],
    );
    assert.deepEqual(problems(''), []);
  });

  it('puts a wrong value on its own line and columns, saying what it should be', () => {
    assert.deepEqual(problems('recipe: custom-onnx-pyfunc\nonnx_folder: ./m\nsearch_options:\n  max_length: lots\n  top_p: 2\n'), [
      '3:14-3:18 "search_options.max_length" must be a whole number (got "lots")',
      '4:9-4:10 "search_options.top_p" must be <= 1',
    ]);
    assert.deepEqual(problems('recipe: transformers\nonnx_folder: ./m\n'), [
      '0:8-0:20 "recipe" must be one of custom-onnx-pyfunc (got "transformers")',
    ]);
    assert.deepEqual(problems('recipe: custom-onnx-pyfunc\nonnx_folder: ./m\nmodel_name: my model\npython_version: "3"\n'), [
      '2:12-2:20 "model_name" must be a name of letters, digits, ".", "_" and "-" (got "my model")',
      '3:16-3:19 "python_version" must be a Python version such as "3.11", quoted (got "3")',
    ]);
  });

  it('underlines an unknown key, and says what a missing key or a dependency needs', () => {
    assert.deepEqual(problems('recipe: custom-onnx-pyfunc\nonnx_folder: ./m\nsearch_options:\n  max_len: 3\n'), [
      '3:2-3:9 unknown setting "max_len" in "search_options" (known: max_length, min_length, do_sample, temperature, top_k, top_p, repetition_penalty, num_beams, length_penalty, diversity_penalty, no_repeat_ngram_size, early_stopping, random_seed)',
    ]);
    assert.deepEqual(problems('recipe: custom-onnx-pyfunc\nalias: champion\n'), [
      '0:0-0:26 missing "onnx_folder"',
      '1:0-1:5 "alias" needs "registered_model_name" too',
    ]);
  });

  it('explains the signature, alias and input example rules in words', () => {
    assert.deepEqual(problems('recipe: custom-onnx-pyfunc\nonnx_folder: ./m\nregistered_model_name: m\nalias: latest\n'), [
      '3:7-3:13 "alias" cannot be "latest": "latest" and v<number> are reserved by MLflow',
    ]);
    assert.deepEqual(
      problems(
        'recipe: custom-onnx-pyfunc\nonnx_folder: ./m\nsignature:\n  inputs:\n    - name: question\n      type: string\n  outputs:\n    - type: long\n',
      ),
      [
        '4:4-4:20 "signature.inputs" needs a column named prompt of type string (the wrapper reads model_input["prompt"])',
        '7:12-7:16 "signature.outputs[0].type" must be string (got "long")',
      ],
    );
    assert.deepEqual(problems('recipe: custom-onnx-pyfunc\nonnx_folder: ./m\ninput_example:\n  prompt:\n    a: 1\n'), [
      '4:4-4:8 "input_example.prompt" must be a text, a number, true/false, or a list of them (got a mapping)',
    ]);
  });

  it('reports YAML syntax errors where they are', () => {
    const found = wrapperSchemaProblems('recipe: custom-onnx-pyfunc\nonnx_folder: [unclosed\n');
    assert.ok(found.length >= 1);
    assert.ok(
      found.every((p) => p.line >= 1 && p.line <= 2),
      JSON.stringify(found),
    );
    assert.ok(
      found.some((p) => /flow sequence/i.test(p.message)),
      JSON.stringify(found),
    );
    const duplicate = wrapperSchemaProblems('recipe: custom-onnx-pyfunc\nonnx_folder: a\nonnx_folder: b\n');
    assert.deepEqual(
      duplicate.map((p) => [p.line, p.message]),
      [[2, 'Map keys must be unique']],
    );
  });
});

describe('completion in mlflow-wrapper cells, from the JSON schema', () => {
  it('offers the top-level keys not there yet, with their type and description', () => {
    const found = completionsAt('recipe: custom-onnx-pyfunc\nonnx_folder: ./m\nre|');
    assert.deepEqual(
      found.map((c) => c.label),
      [
        'artifact_name',
        'model_name',
        'search_options',
        'signature',
        'input_example',
        'pip_requirements',
        'extra_pip_requirements',
        'python_version',
        'experiment',
        'run_name',
        'registered_model_name',
        'alias',
      ],
    );
    const searchOptions = found.find((c) => c.label === 'search_options')!;
    assert.equal(searchOptions.insertText, 'search_options:\n  ');
    assert.equal(searchOptions.replaceFrom, 0);
    assert.equal(searchOptions.detail, 'object');
    assert.match(searchOptions.documentation ?? '', /^onnxruntime-genai search options/);
    assert.equal(found.find((c) => c.label === 'pip_requirements')!.insertText, 'pip_requirements:\n  - ');
    assert.equal(found.find((c) => c.label === 'experiment')!.insertText, 'experiment: ');
  });

  it('offers the keys of the nested mapping the cursor is in, also inside list items', () => {
    assert.deepEqual(labels('recipe: custom-onnx-pyfunc\nsearch_options:\n  max_length: 10\n  |\nexperiment: x\n'), [
      'min_length',
      'do_sample',
      'temperature',
      'top_k',
      'top_p',
      'repetition_penalty',
      'num_beams',
      'length_penalty',
      'diversity_penalty',
      'no_repeat_ngram_size',
      'early_stopping',
      'random_seed',
    ]);
    assert.deepEqual(labels('signature:\n  inputs:\n    - name: prompt\n      |'), ['type', 'required']);
    assert.deepEqual(labels('signature:\n  inputs:\n    - name: prompt\n      type: string\n  outputs:\n    - |'), [
      'name',
      'type',
      'required',
    ]);
    assert.deepEqual(labels('signature:\n  |'), ['inputs', 'outputs']);
  });

  it('offers the values a key allows: enums through $ref, const, booleans, defaults', () => {
    const recipe = completionsAt('recipe: cu|');
    assert.deepEqual(
      recipe.map((c) => [c.label, c.insertText, c.replaceFrom]),
      [['custom-onnx-pyfunc', 'custom-onnx-pyfunc', 8]],
    );
    assert.deepEqual(labels('signature:\n  inputs:\n    - name: prompt\n      type: |'), [
      'string',
      'long',
      'integer',
      'double',
      'float',
      'boolean',
    ]);
    assert.deepEqual(labels('signature:\n  outputs:\n    - type: |'), ['string']);
    assert.deepEqual(labels('search_options:\n  do_sample: |'), ['true', 'false']);
    const artifact = completionsAt('artifact_name: |');
    assert.deepEqual(
      artifact.map((c) => [c.label, c.detail]),
      [['phi3-mini-onnx', 'default']],
    );
    // Right after the colon, the value comes with its space.
    assert.equal(completionsAt('recipe:|')[0]!.insertText, ' custom-onnx-pyfunc');
    assert.deepEqual(labels('onnx_folder: |'), []);
  });
});
