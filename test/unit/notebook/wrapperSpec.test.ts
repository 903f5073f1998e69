import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { genaiSearchOptionKinds } from '../../../src/mlflow/modelDirectory/genaiSearchOptions';
import { columnTypes } from '../../../src/mlflow/modelDirectory/modelSignature';
import { defaultArtifactName } from '../../../src/mlflow/modelDirectory/onnxWrapperModel';
import {
  defaultExperiment,
  defaultModelName,
  formatWrapperSpecProblem,
  parseWrapperSpec,
  type WrapperSpecResult,
  wrapperRecipe,
  wrapperSpecKeys,
} from '../../../src/notebook/wrapperSpec';
import { repoRoot } from '../../harness/paths';

const parseCell = (text: string): WrapperSpecResult => parseWrapperSpec(text, { baseDir: '/notebooks/phi3' });
const problemsOf = (text: string): string[] => {
  const result = parseCell(text);
  assert.equal(result.ok, false, 'the cell should be refused');
  return result.ok ? [] : result.problems.map(formatWrapperSpecProblem);
};

describe('mlflow-wrapper cells: parsing and checking', () => {
  it("reads a minimal cell with the issue recipe's defaults", () => {
    const result = parseCell('recipe: custom-onnx-pyfunc\nonnx_folder: models/cpu-int4-rtn-block-32-acc-level-4\n');
    assert.deepEqual(result, {
      ok: true,
      spec: {
        recipe: 'custom-onnx-pyfunc',
        model: {
          onnxFolder: '/notebooks/phi3/models/cpu-int4-rtn-block-32-acc-level-4',
          artifactName: 'phi3-mini-onnx',
          searchOptions: {},
          signature: { inputs: [{ name: 'prompt', type: 'string', required: true }], outputs: [{ type: 'string', required: true }] },
          inputExample: { prompt: 'What is MLflow?' },
          pipRequirements: undefined,
          extraPipRequirements: undefined,
          pythonVersion: undefined,
        },
        modelName: 'phi3-mlflow-model',
        experiment: 'Default',
        runName: undefined,
        registeredModelName: undefined,
        alias: undefined,
      },
    });
  });

  it('reads every setting of a full cell', () => {
    const result = parseCell(`# Phi-3 mini, int4 on CPU
recipe: custom-onnx-pyfunc
onnx_folder: /models/phi3/cpu-int4-rtn-block-32-acc-level-4
artifact_name: phi3-onnx
model_name: phi3-wrapper
search_options:
  max_length: 2048
  temperature: 0.6
  top_p: 0.9
  do_sample: true
signature:
  inputs:
    - {name: prompt, type: string}
    - {name: max_tokens, type: long, required: false}
  outputs:
    - {name: answer, type: string}
input_example:
  prompt: [What is MLflow?, What is ONNX?]
  max_tokens: [64, 32]
pip_requirements: [mlflow==3.17.2, onnxruntime-genai==0.18.0]
extra_pip_requirements:
  - numpy==2.4.6
python_version: "3.11"
experiment: Phi-3 wrappers
run_name: phi3-int4
registered_model_name: phi3-mini
alias: champion
`);
    assert.ok(result.ok);
    assert.deepEqual(result.spec, {
      recipe: 'custom-onnx-pyfunc',
      model: {
        onnxFolder: '/models/phi3/cpu-int4-rtn-block-32-acc-level-4',
        artifactName: 'phi3-onnx',
        searchOptions: { max_length: 2048, temperature: 0.6, top_p: 0.9, do_sample: true },
        signature: {
          inputs: [
            { name: 'prompt', type: 'string', required: true },
            { name: 'max_tokens', type: 'long', required: false },
          ],
          outputs: [{ name: 'answer', type: 'string', required: true }],
        },
        inputExample: { prompt: ['What is MLflow?', 'What is ONNX?'], max_tokens: [64, 32] },
        pipRequirements: ['mlflow==3.17.2', 'onnxruntime-genai==0.18.0'],
        extraPipRequirements: ['numpy==2.4.6'],
        pythonVersion: '3.11',
      },
      modelName: 'phi3-wrapper',
      experiment: 'Phi-3 wrappers',
      runName: 'phi3-int4',
      registeredModelName: 'phi3-mini',
      alias: 'champion',
    });
  });

  it('reports every wrong setting at its line and column', () => {
    assert.deepEqual(
      problemsOf(`recipe: transformers
onnx_folder: 12
artifact_name: "phi3 mini"
search_options:
  max_length: -3
  temprature: 0.6
  do_sample: "yes"
  top_p: 1.5
python_version: 3.10
alias: latest
colour: red
`),
      [
        'line 1, column 9: "recipe" must be custom-onnx-pyfunc (got "transformers"); the transformers pipeline recipe runs as Python cells',
        'line 2, column 14: "onnx_folder" must be the path of an onnxruntime-genai model folder (got 12)',
        'line 3, column 16: "artifact_name" must be a name of letters, digits, ".", "_" and "-" (got "phi3 mini")',
        'line 5, column 15: search_options.max_length must be a whole number of 1 or more (got -3)',
        'line 6, column 3: unknown search option "temprature" (known: max_length, min_length, do_sample, temperature, top_k, top_p, repetition_penalty, num_beams, length_penalty, diversity_penalty, no_repeat_ngram_size, early_stopping, random_seed)',
        'line 7, column 14: search_options.do_sample must be true or false (got "yes")',
        'line 8, column 10: search_options.top_p must be above 0 and at most 1 (got 1.5)',
        'line 9, column 17: "python_version" must be quoted ("3.10"): YAML reads 3.10 as the number 3.1',
        'line 10, column 1: "alias" needs "registered_model_name": an alias names a version of a registered model',
        'line 10, column 8: "alias" cannot be "latest": MLflow reserves "latest" and v<number> for versions',
        'line 11, column 1: unknown setting "colour" (known: recipe, onnx_folder, artifact_name, model_name, search_options, signature, input_example, pip_requirements, extra_pip_requirements, python_version, experiment, run_name, registered_model_name, alias)',
      ],
    );
  });

  it('reports what is missing at the top of the cell', () => {
    assert.deepEqual(problemsOf('artifact_name: phi3\n'), [
      'line 1, column 1: missing "recipe": a declarative cell builds "recipe: custom-onnx-pyfunc"',
      'line 1, column 1: missing "onnx_folder"',
    ]);
    assert.deepEqual(problemsOf(''), [
      'line 1, column 1: a wrapper cell is a YAML mapping of settings, starting with "recipe: custom-onnx-pyfunc"',
    ]);
    assert.deepEqual(problemsOf('- recipe\n'), [
      'line 1, column 1: a wrapper cell is a YAML mapping of settings, starting with "recipe: custom-onnx-pyfunc"',
    ]);
  });

  it('reports YAML syntax errors and repeated settings where they are', () => {
    assert.deepEqual(problemsOf('recipe: custom-onnx-pyfunc\nonnx_folder: x\nrecipe: custom-onnx-pyfunc\n'), [
      'line 3, column 1: "recipe" is given twice',
    ]);
    const [unclosed] = problemsOf('recipe: custom-onnx-pyfunc\nonnx_folder: [unclosed\nrun_name: x\n');
    assert.match(unclosed!, /^line \d, column \d+: not valid YAML: /);
    const [tab] = problemsOf('recipe: custom-onnx-pyfunc\nsearch_options:\n\tmax_length: 5\n');
    assert.match(tab!, /^line 3, column 1: not valid YAML: /);
  });

  it('checks the signature: a string prompt input, one string output, known column types', () => {
    const cell = (signature: string) => `recipe: custom-onnx-pyfunc\nonnx_folder: x\nsignature:\n${signature}input_example: {prompt: hi}\n`;
    assert.deepEqual(problemsOf(cell('  inputs:\n    - {name: question, type: string}\n  outputs:\n    - {type: string}\n')), [
      'line 5, column 5: signature.inputs needs a string column "prompt": the wrapper reads its prompts from model_input["prompt"]',
    ]);
    assert.deepEqual(problemsOf(cell('  inputs:\n    - {name: prompt, type: text}\n  outputs:\n    - {type: string}\n')), [
      'line 5, column 28: signature.inputs[0].type must be one of string, long, integer, double, float, boolean (got "text")',
    ]);
    assert.deepEqual(
      problemsOf(cell('  inputs:\n    - {name: prompt, type: string}\n  outputs:\n    - {type: string}\n    - {type: double}\n')),
      ['line 7, column 5: signature.outputs must be one string column: the wrapper answers one generated text per prompt'],
    );
    assert.deepEqual(problemsOf(cell('  inputs:\n    - {type: string}\n  outputs:\n    - {type: string}\n')), [
      'line 5, column 7: signature.inputs[0] has no "name": inputs are named columns',
    ]);
    assert.deepEqual(problemsOf(cell('  inputs:\n    - {name: prompt, type: string}\n')), [
      'line 4, column 3: "signature" has no "outputs"',
    ]);
    assert.deepEqual(
      problemsOf(
        cell('  inputs:\n    - {name: prompt, type: string}\n    - {name: prompt, type: string}\n  outputs:\n    - {type: string}\n'),
      ),
      ['line 5, column 5: signature.inputs names "prompt" twice'],
    );
  });

  it('checks the input example against the signature, at the input concerned', () => {
    assert.deepEqual(
      problemsOf(`recipe: custom-onnx-pyfunc
onnx_folder: x
signature:
  inputs:
    - {name: prompt, type: string}
    - {name: max_tokens, type: long, required: false}
  outputs:
    - {type: string}
input_example:
  prompt: [a, b]
  max_tokens: many
  extra: 1
`),
      [
        'line 11, column 15: the input example\'s "max_tokens" should be a long, not the string "many"',
        'line 12, column 10: the input example has "extra", which is not an input of the signature (inputs: prompt, max_tokens)',
      ],
    );
    assert.deepEqual(problemsOf('recipe: custom-onnx-pyfunc\nonnx_folder: x\ninput_example:\n  prompt: 42\n'), [
      'line 4, column 11: the input example\'s "prompt" should be a string, not number 42',
    ]);
    assert.deepEqual(
      problemsOf(
        'recipe: custom-onnx-pyfunc\nonnx_folder: x\nsignature:\n  inputs: [{name: prompt, type: string}]\n  outputs: [{type: string}]\n',
      ),
      ['line 1, column 1: missing "input_example": a cell with its own signature gives an example that fits it'],
    );
  });

  it('checks requirements and names', () => {
    assert.deepEqual(
      problemsOf('recipe: custom-onnx-pyfunc\nonnx_folder: x\npip_requirements: numpy\nextra_pip_requirements: [torch, 3, ""]\n'),
      [
        'line 3, column 19: "pip_requirements" must be a list of pip requirements, e.g. "- numpy==2.4.6"',
        'line 4, column 33: each of "extra_pip_requirements" must be one pip requirement on one line (got 3)',
        'line 4, column 36: each of "extra_pip_requirements" must be one pip requirement on one line (got "")',
      ],
    );
    assert.deepEqual(
      problemsOf(
        'recipe: custom-onnx-pyfunc\nonnx_folder: x\nregistered_model_name: phi3\nalias: v2\npython_version: "2.7"\nexperiment: ""\n',
      ),
      [
        'line 4, column 8: "alias" cannot be "v2": MLflow reserves "latest" and v<number> for versions',
        'line 5, column 17: "python_version" must be a Python 3 version such as "3.11" or "3.11.7" (got "2.7")',
        'line 6, column 13: "experiment" must be a non-empty text',
      ],
    );
  });
});

describe('the mlflow-wrapper JSON schema (schemas/mlflow-wrapper.schema.json)', () => {
  const schema = JSON.parse(readFileSync(join(repoRoot, 'schemas', 'mlflow-wrapper.schema.json'), 'utf8'));

  it('names the settings, search options, column types and defaults the parser accepts', () => {
    assert.deepEqual(Object.keys(schema.properties), [...wrapperSpecKeys]);
    assert.deepEqual(schema.required, ['recipe', 'onnx_folder']);
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(schema.properties.recipe.enum, [wrapperRecipe]);
    assert.deepEqual(Object.keys(schema.properties.search_options.properties), Object.keys(genaiSearchOptionKinds));
    for (const [name, kind] of Object.entries(genaiSearchOptionKinds)) {
      const type = schema.properties.search_options.properties[name].type;
      assert.equal(type, kind === 'boolean' ? 'boolean' : kind === 'count' ? 'integer' : 'number', name);
    }
    assert.deepEqual(schema.definitions.columnType.enum, [...columnTypes]);
    assert.equal(schema.properties.artifact_name.default, defaultArtifactName);
    assert.equal(schema.properties.model_name.default, defaultModelName);
    assert.equal(schema.properties.experiment.default, defaultExperiment);
    assert.deepEqual(schema.dependencies, { alias: ['registered_model_name'] });
    // The patterns agree with the parser's checks.
    assert.ok(new RegExp(schema.properties.python_version.pattern).test('3.11.7'));
    assert.ok(!new RegExp(schema.properties.python_version.pattern).test('2.7'));
    assert.ok(new RegExp(schema.properties.alias.not.pattern).test('V12'));
    assert.ok(!new RegExp(schema.properties.alias.not.pattern).test('champion'));
  });
});
