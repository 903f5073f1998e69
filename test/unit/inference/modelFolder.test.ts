import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { DecoderSession } from '../../../src/inference/decoderSession';
import { InferenceError } from '../../../src/inference/inferenceError';
import { LocalModel } from '../../../src/inference/localModel';
import { inspectModelFolder } from '../../../src/inference/modelFolder';
import { copyOfFixtureModel, fixtureModel } from './fixtureModels';

const genai = 'phi3-tiny-genai-fp32';
const lfsPointer =
  'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 2717868032\n';

function rejectsWith(kind: string, pattern: RegExp) {
  return (error: unknown) => error instanceof InferenceError && error.kind === kind && pattern.test(error.message);
}

function genaiGraphFile(folder: string): string {
  return (JSON.parse(readFileSync(join(folder, 'genai_config.json'), 'utf8')) as { model: { decoder: { filename: string } } }).model.decoder
    .filename;
}

describe('model folders', () => {
  it('reads the onnxruntime-genai layout of a test model', async () => {
    const spec = await inspectModelFolder(fixtureModel(genai));
    assert.equal(spec.layout, 'genai');
    assert.equal(spec.modelType, 'phi3');
    assert.deepEqual(spec.eosTokenIds.includes(32007), true);
    assert.equal(spec.vocabSize, 32064);
    assert.ok(spec.weightBytes > 0);
  });

  it('reads the transformers.js layout, with its position_ids input', async () => {
    const spec = await inspectModelFolder(fixtureModel('phi3-tiny-transformersjs'));
    assert.equal(spec.layout, 'transformers.js');
    assert.equal(spec.io.positionIds, 'position_ids');
    assert.match(spec.graphPath, /onnx\/model\.onnx$/);
  });

  it('says a folder is neither layout, and points at a model folder below it', async () => {
    const copy = copyOfFixtureModel(genai);
    const parent = dirname(copy);
    const nested = join(parent, 'cpu_and_mobile', 'cpu-int4-rtn-block-32-acc-level-4');
    mkdirSync(dirname(nested), { recursive: true });
    renameSync(copy, nested);
    await assert.rejects(
      inspectModelFolder(parent),
      rejectsWith(
        'not-a-model-folder',
        /is not a Phi-3 ONNX model folder: it has neither genai_config.json .* It has one below it: cpu_and_mobile\/cpu-int4-rtn-block-32-acc-level-4\./,
      ),
    );
    await assert.rejects(inspectModelFolder(join(parent, 'nope')), rejectsWith('not-a-model-folder', /nope does not exist/));
    await assert.rejects(
      inspectModelFolder(join(nested, 'genai_config.json')),
      rejectsWith('not-a-model-folder', /is a file; choose the folder/),
    );
  });

  it('names the missing files', async () => {
    const copy = copyOfFixtureModel(genai);
    rmSync(join(copy, 'tokenizer.json'));
    rmSync(join(copy, genaiGraphFile(copy)));
    await assert.rejects(
      inspectModelFolder(copy),
      rejectsWith(
        'missing-file',
        new RegExp(`is missing ${genaiGraphFile(copy).replace('.', '\\.')}, tokenizer\\.json, which the onnxruntime-genai layout needs`),
      ),
    );
  });

  it('recognises Git LFS pointers in place of the weights and says to run git lfs pull', async () => {
    const copy = copyOfFixtureModel(genai);
    const graph = genaiGraphFile(copy);
    const data = join(copy, `${graph}.data`);
    writeFileSync(data, lfsPointer);
    await assert.rejects(
      inspectModelFolder(copy),
      rejectsWith(
        'lfs-pointer',
        new RegExp(`${graph.replace('.', '\\.')}\\.data is a Git LFS pointer, not the file itself: run "git lfs pull"`),
      ),
    );
    writeFileSync(join(copy, graph), lfsPointer);
    await assert.rejects(inspectModelFolder(copy), rejectsWith('lfs-pointer', /is a Git LFS pointer/));
  });

  it('refuses a model larger than free memory, with both figures', async () => {
    await assert.rejects(
      inspectModelFolder(fixtureModel(genai), { freeMemoryBytes: 64 * 1024 * 1024 }),
      rejectsWith('too-large', /The model needs at least [\d.]+ MiB of memory \([\d.]+ (KiB|MiB) of weights\) but only 64\.0 MiB is free/),
    );
  });

  it('refuses a genai_config.json from another runtime version with a clear message', async () => {
    const copy = copyOfFixtureModel(genai);
    const config = JSON.parse(readFileSync(join(copy, 'genai_config.json'), 'utf8'));
    config.model.decoder.inputs.past_names = 'past_%d';
    writeFileSync(join(copy, 'genai_config.json'), JSON.stringify(config));
    await assert.rejects(inspectModelFolder(copy), rejectsWith('unsupported-config', /written for a different onnxruntime-genai version/));
  });

  it('refuses a graph that lacks the inputs its config names (a config from another model)', async () => {
    const copy = copyOfFixtureModel(genai);
    const config = JSON.parse(readFileSync(join(copy, 'genai_config.json'), 'utf8'));
    const layers = config.model.decoder.num_hidden_layers as number;
    config.model.decoder.num_hidden_layers = layers + 2;
    writeFileSync(join(copy, 'genai_config.json'), JSON.stringify(config));
    await assert.rejects(
      DecoderSession.load(await inspectModelFolder(copy)),
      rejectsWith(
        'graph-mismatch',
        new RegExp(
          `has no input past_key_values\\.${layers}\\.key, input past_key_values\\.${layers}\\.value, input past_key_values\\.${layers + 1}\\.key \\(and \\d+ more\\) that genai_config\\.json names: the config and the graph do not belong together`,
        ),
      ),
    );
  });

  it('reports a truncated graph as a load failure naming the file, without crashing', async () => {
    const copy = copyOfFixtureModel(genai);
    const graph = join(copy, genaiGraphFile(copy));
    writeFileSync(graph, readFileSync(graph).subarray(0, 1000));
    await assert.rejects(
      LocalModel.load(copy),
      rejectsWith('load-failed', /onnxruntime could not load .*: .*The file may be incomplete or corrupt/),
    );
  });
});
