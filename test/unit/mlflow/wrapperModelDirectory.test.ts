import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { parseMlmodel } from '../../../src/mlflow/mlmodel';
import { condaYaml, pythonEnvYaml, wrapperRequirements } from '../../../src/mlflow/modelDirectory/environmentFiles';
import { inputExampleProblems, promptToTextSignature, signatureColumnsJson } from '../../../src/mlflow/modelDirectory/modelSignature';
import { onnxFolderProblems } from '../../../src/mlflow/modelDirectory/onnxFolderProblems';
import type { OnnxWrapperModel } from '../../../src/mlflow/modelDirectory/onnxWrapperModel';
import { pythonJsonDumps } from '../../../src/mlflow/modelDirectory/pythonJson';
import { writeWrapperModelDirectory } from '../../../src/mlflow/modelDirectory/wrapperModelDirectory';
import { repoRoot } from '../../harness/paths';
import { saveReferenceModel } from '../../harness/saveReferenceModel';

const genaiConfig = '{"model": {"decoder": {"filename": "model.onnx"}}}';
const fixture = join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-genai-int4');

describe('wrapper model directory, written without Python', () => {
  let scratch: string;
  let onnx: string;
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-wrapper-dir-'));
    onnx = join(scratch, 'cpu-int4-rtn-block-32-acc-level-4');
    mkdirSync(join(onnx, 'sub'), { recursive: true });
    writeFileSync(join(onnx, 'genai_config.json'), genaiConfig);
    writeFileSync(join(onnx, 'model.onnx'), 'graph');
    writeFileSync(join(onnx, 'sub', 'extra.txt'), '12345');
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  const model = (overrides: Partial<OnnxWrapperModel> = {}): OnnxWrapperModel => ({
    onnxFolder: onnx,
    artifactName: 'phi3-mini-onnx',
    searchOptions: { max_length: 2048, temperature: 0.6, do_sample: true, top_p: 1 },
    signature: promptToTextSignature,
    inputExample: { prompt: 'What is MLflow?' },
    extraPipRequirements: ['numpy'],
    pythonVersion: '3.11.7',
    ...overrides,
  });

  it('writes every file of an MLflow 3 logged model with the exact contents MLflow uses', async () => {
    const target = join(scratch, 'mlflow3');
    const written = await writeWrapperModelDirectory(target, model(), {
      artifactPath: 'mlflow-artifacts:/1/models/m-0123456789abcdef0123456789abcdef/artifacts',
      runId: 'fedcba9876543210fedcba9876543210',
      modelId: 'm-0123456789abcdef0123456789abcdef',
      mlflowVersion: '3.17.2',
      createdAt: new Date('2026-11-23T21:17:42.762Z'),
    });
    assert.deepEqual(written.files, [
      'MLmodel',
      'artifacts/cpu-int4-rtn-block-32-acc-level-4/genai_config.json',
      'artifacts/cpu-int4-rtn-block-32-acc-level-4/model.onnx',
      'artifacts/cpu-int4-rtn-block-32-acc-level-4/sub/extra.txt',
      'conda.yaml',
      'input_example.json',
      'phi3_onnx_wrapper.py',
      'python_env.yaml',
      'requirements.txt',
      'serving_input_example.json',
    ]);
    assert.deepEqual(readdirSync(target).sort(), [
      'MLmodel',
      'artifacts',
      'conda.yaml',
      'input_example.json',
      'phi3_onnx_wrapper.py',
      'python_env.yaml',
      'requirements.txt',
      'serving_input_example.json',
    ]);
    const read = (name: string) => readFileSync(join(target, name), 'utf8');
    const sizes =
      [
        'phi3_onnx_wrapper.py',
        'conda.yaml',
        'python_env.yaml',
        'requirements.txt',
        'input_example.json',
        'serving_input_example.json',
      ].reduce((sum, name) => sum + Buffer.byteLength(read(name)), 0) +
      genaiConfig.length +
      'graph'.length +
      '12345'.length;
    assert.equal(written.modelSizeBytes, sizes);
    assert.equal(
      read('MLmodel'),
      `artifact_path: mlflow-artifacts:/1/models/m-0123456789abcdef0123456789abcdef/artifacts
flavors:
  python_function:
    artifacts:
      phi3-mini-onnx:
        path: artifacts/cpu-int4-rtn-block-32-acc-level-4
        uri: ${onnx}
    code: null
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.pyfunc.loaders.code_model
    model_code_path: phi3_onnx_wrapper.py
    python_version: 3.11.7
    streamable: false
is_signature_from_type_hint: false
mlflow_version: 3.17.2
model_id: m-0123456789abcdef0123456789abcdef
model_size_bytes: ${sizes}
model_uuid: m-0123456789abcdef0123456789abcdef
prompts: null
run_id: fedcba9876543210fedcba9876543210
saved_input_example_info:
  artifact_path: input_example.json
  serving_input_path: serving_input_example.json
  type: json_object
signature:
  inputs: '[{"type": "string", "name": "prompt", "required": true}]'
  outputs: '[{"type": "string", "required": true}]'
  params: null
type_hint_from_example: false
utc_time_created: '2026-11-23 21:17:42.762000'
`,
    );
    assert.equal(read('requirements.txt'), 'mlflow==3.17.2\nonnxruntime-genai==0.18.0\nnumpy');
    assert.equal(
      read('conda.yaml'),
      'channels:\n- conda-forge\ndependencies:\n- python=3.11.7\n- pip\n- pip:\n  - mlflow==3.17.2\n  - onnxruntime-genai==0.18.0\n  - numpy\nname: mlflow-env\n',
    );
    assert.equal(
      read('python_env.yaml'),
      'python: 3.11.7\nbuild_dependencies:\n- pip\n- setuptools\n- wheel\ndependencies:\n- -r requirements.txt\n',
    );
    assert.equal(read('input_example.json'), '{"prompt": "What is MLflow?"}');
    assert.equal(read('serving_input_example.json'), '{\n  "prompt": "What is MLflow?"\n}');
    assert.equal(read('artifacts/cpu-int4-rtn-block-32-acc-level-4/sub/extra.txt'), '12345');
    const wrapper = read('phi3_onnx_wrapper.py');
    assert.match(wrapper, /^ARTIFACT_NAME = "phi3-mini-onnx"$/m);
    assert.match(wrapper, /^PROMPT_INPUT = "prompt"$/m);
    assert.match(wrapper, /^SEARCH_OPTIONS = \{"max_length": 2048, "do_sample": True, "temperature": 0\.6, "top_p": 1\.0\}$/m);
    assert.match(wrapper, /^ {8}self\.model = og\.Model\(context\.artifacts\[ARTIFACT_NAME\]\)$/m);
    assert.match(wrapper, /^mlflow\.models\.set_model\(Phi3OnnxGenaiModel\(\)\)$/m);
    // The project's own MLmodel reader agrees.
    const summary = parseMlmodel(read('MLmodel'));
    assert.deepEqual(summary.flavors, ['python_function']);
    assert.equal(summary.modelId, 'm-0123456789abcdef0123456789abcdef');
    assert.deepEqual(summary.signature?.inputs, [{ name: 'prompt', type: 'string', required: true, default: undefined }]);
  });

  it('writes an MLflow 2 MLmodel: a run artifact path, a random model_uuid and no model_id', async () => {
    const target = join(scratch, 'mlflow2');
    const written = await writeWrapperModelDirectory(
      target,
      model(),
      { artifactPath: 'phi3-mlflow-model', runId: 'r'.repeat(32), mlflowVersion: '2.22.5' },
      { onnxFolder: 'leave-out' },
    );
    const mlmodel = parse(written.mlmodel) as Record<string, unknown>;
    assert.equal(mlmodel.artifact_path, 'phi3-mlflow-model');
    assert.equal(mlmodel.mlflow_version, '2.22.5');
    assert.match(String(mlmodel.model_uuid), /^[0-9a-f]{32}$/);
    assert.equal('model_id' in mlmodel, false);
    // Left out: the uploader sends the folder from where it is; the file list still names it.
    assert.deepEqual(readdirSync(target).sort(), [
      'MLmodel',
      'conda.yaml',
      'input_example.json',
      'phi3_onnx_wrapper.py',
      'python_env.yaml',
      'requirements.txt',
      'serving_input_example.json',
    ]);
    assert.equal(written.files.filter((f) => f.startsWith('artifacts/')).length, 3);
    assert.equal(readFileSync(join(target, 'requirements.txt'), 'utf8'), 'mlflow==2.22.5\nonnxruntime-genai==0.18.0\nnumpy');
  });

  it('refuses a folder that is not empty', async () => {
    const target = join(scratch, 'busy');
    mkdirSync(target);
    writeFileSync(join(target, 'keep.txt'), 'mine');
    await assert.rejects(writeWrapperModelDirectory(target, model(), { artifactPath: 'm', mlflowVersion: '3.17.2' }), {
      message: `${target} is not empty: a model directory is written into an empty folder`,
    });
    assert.equal(readFileSync(join(target, 'keep.txt'), 'utf8'), 'mine');
  });

  it('spells JSON and YAML as Python writes them', () => {
    assert.equal(
      pythonJsonDumps({ prompt: 'é "q" 😀\u007f', n: [1, 2.5, true, null] }),
      '{"prompt": "\\u00e9 \\"q\\" \\ud83d\\ude00\\u007f", "n": [1, 2.5, true, null]}',
    );
    assert.equal(pythonJsonDumps({ a: [], b: {} }, 2), '{\n  "a": [],\n  "b": {}\n}');
    assert.equal(
      signatureColumnsJson([
        { name: 'prompt', type: 'string', required: true },
        { name: 'n', type: 'long', required: false },
      ]),
      '[{"type": "string", "name": "prompt", "required": true}, {"type": "long", "name": "n", "required": false}]',
    );
    // YAML 1.1 would read these unquoted as a float and a boolean.
    assert.equal(
      pythonEnvYaml('3.10'),
      "python: '3.10'\nbuild_dependencies:\n- pip\n- setuptools\n- wheel\ndependencies:\n- -r requirements.txt\n",
    );
    assert.equal(
      condaYaml('3.11', ['yes']),
      "channels:\n- conda-forge\ndependencies:\n- python=3.11\n- pip\n- pip:\n  - 'yes'\nname: mlflow-env\n",
    );
    assert.deepEqual(wrapperRequirements('3.17.2', 'onnxruntime-genai==0.18.0', ['mlflow', 'torch'], ['torch', 'numpy']), [
      'mlflow',
      'torch',
      'numpy',
    ]);
  });

  it('checks an input example against the signature', () => {
    const inputs = [...promptToTextSignature.inputs, { name: 'max_tokens', type: 'long', required: false } as const];
    assert.deepEqual(inputExampleProblems({ prompt: ['a', 'b'], max_tokens: [1, 2] }, inputs), []);
    assert.deepEqual(inputExampleProblems({ max_tokens: 1.5, other: 'x' }, inputs), [
      'the input example has "other", which is not an input of the signature (inputs: prompt, max_tokens)',
      'the input example has no "prompt", a required string input of the signature',
      'the input example\'s "max_tokens" should be a long, not number 1.5',
    ]);
    assert.deepEqual(inputExampleProblems({ prompt: ['a', 'b'], max_tokens: [1] }, inputs), [
      'the input example\'s lists differ in length ("max_tokens" has 1 values, an earlier input 2)',
    ]);
    assert.deepEqual(inputExampleProblems({ prompt: [] }, inputs), ['the input example\'s "prompt" is an empty list']);
  });

  it('finds what would break the ONNX folder once logged: no genai_config.json, a missing graph, Git LFS pointers', async () => {
    assert.deepEqual(await onnxFolderProblems(fixture), []);
    const missing = join(scratch, 'nowhere');
    assert.deepEqual(await onnxFolderProblems(missing), [`The ONNX folder ${missing} does not exist`]);
    const bare = join(scratch, 'bare');
    mkdirSync(bare);
    writeFileSync(join(bare, 'model.onnx'), 'graph');
    assert.deepEqual(await onnxFolderProblems(bare), [
      `${bare} has no genai_config.json: it is not an onnxruntime-genai model folder (build one with python -m onnxruntime_genai.models.builder)`,
    ]);
    const lfs = join(scratch, 'lfs');
    mkdirSync(lfs);
    writeFileSync(join(lfs, 'genai_config.json'), '{"model": {"decoder": {"filename": "phi3.onnx"}}}');
    const pointer =
      'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 2718557184\n';
    writeFileSync(join(lfs, 'phi3.onnx'), 'graph');
    writeFileSync(join(lfs, 'phi3.onnx.data'), pointer);
    writeFileSync(join(lfs, 'tokenizer.model'), pointer);
    assert.deepEqual(await onnxFolderProblems(lfs), [
      `phi3.onnx.data, tokenizer.model in ${lfs} are Git LFS pointers, not the real file: run git lfs pull in that repository`,
    ]);
    writeFileSync(join(lfs, 'genai_config.json'), '{"model": {"decoder": {"filename": "other.onnx"}}}');
    assert.equal((await onnxFolderProblems(lfs))[0], `genai_config.json names the graph other.onnx, which is not in ${lfs}`);
    writeFileSync(join(lfs, 'genai_config.json'), '{"model": ');
    assert.match((await onnxFolderProblems(lfs))[0]!, new RegExp(`^genai_config\\.json in ${lfs} is not valid JSON: `));
  });

  it(
    'matches the MLmodel and files that MLflow 3.17 itself writes for the same wrapper (mlflow.pyfunc.save_model)',
    { timeout: 300_000 },
    async () => {
      const ours = join(scratch, 'ours');
      const theirs = join(scratch, 'theirs');
      const spec = model({
        onnxFolder: fixture,
        searchOptions: { max_length: 24, do_sample: false },
        pipRequirements: ['mlflow==3.17.2', 'onnxruntime-genai==0.18.0'],
        extraPipRequirements: [],
      });
      await writeWrapperModelDirectory(ours, spec, { artifactPath: 'unused', mlflowVersion: '3.17.2' });
      await saveReferenceModel(
        {
          code: join(ours, 'phi3_onnx_wrapper.py'),
          artifacts: { 'phi3-mini-onnx': fixture },
          inputExample: spec.inputExample,
          signature: { inputs: signatureColumnsJson(spec.signature.inputs), outputs: signatureColumnsJson(spec.signature.outputs) },
          pipRequirements: ['mlflow==3.17.2', 'onnxruntime-genai==0.18.0'],
        },
        theirs,
      );
      const [a, b] = [ours, theirs].map(
        (dir) => parse(readFileSync(join(dir, 'MLmodel'), 'utf8')) as Record<string, Record<string, Record<string, unknown>>>,
      );
      // Fields that differ by nature: when, which id, the code file's original path (MLflow loads its
      // basename), the running Python, cloudpickle (unused by code models), and the size (MLflow
      // counts before it writes the environment files).
      const pyfuncA = { ...a!.flavors!.python_function };
      const pyfuncB = { ...b!.flavors!.python_function };
      assert.equal(pyfuncB.model_code_path, join(ours, 'phi3_onnx_wrapper.py'));
      assert.equal(pyfuncA.model_code_path, 'phi3_onnx_wrapper.py');
      for (const pyfunc of [pyfuncA, pyfuncB])
        for (const key of ['model_code_path', 'python_version', 'cloudpickle_version']) delete pyfunc[key];
      assert.deepEqual(pyfuncA, pyfuncB);
      const rest = (m: Record<string, unknown>) =>
        Object.fromEntries(
          Object.entries(m).filter(
            ([key]) =>
              !['flavors', 'model_uuid', 'utc_time_created', 'model_size_bytes', 'artifact_path', 'model_id', 'run_id'].includes(key),
          ),
        );
      assert.deepEqual(rest(a!), rest(b!));
      // save_model writes no artifact_path and run_id (log_model does) and model_id null (no logged model).
      assert.deepEqual(
        Object.keys(a!).sort(),
        [...Object.keys(b!), 'artifact_path'].sort().filter((key) => key !== 'model_id'),
      );
      for (const name of ['input_example.json', 'serving_input_example.json', 'requirements.txt', 'phi3_onnx_wrapper.py']) {
        assert.equal(readFileSync(join(ours, name), 'utf8'), readFileSync(join(theirs, name), 'utf8'), name);
      }
      assert.deepEqual(readdirSync(join(ours, 'artifacts')), readdirSync(join(theirs, 'artifacts')));
      assert.deepEqual(
        readdirSync(join(ours, 'artifacts', 'phi3-tiny-genai-int4')).sort(),
        readdirSync(join(theirs, 'artifacts', 'phi3-tiny-genai-int4')).sort(),
      );
      // conda.yaml differs only in what needs Python to know: the exact Python and pip.
      const conda = (dir: string) =>
        (parse(readFileSync(join(dir, 'conda.yaml'), 'utf8')) as { dependencies: unknown[] }).dependencies.at(-1);
      assert.deepEqual(conda(ours), conda(theirs));
    },
  );
});
