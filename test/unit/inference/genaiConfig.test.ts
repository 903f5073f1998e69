import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGenaiConfig } from '../../../src/inference/genaiConfig';

/** genai_config.json as onnxruntime-genai's model builder writes it for Phi-3-mini-4k-instruct int4 CPU. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests below break this JSON in arbitrary places
function phi3MiniConfig(): Record<string, any> {
  return {
    model: {
      bos_token_id: 1,
      context_length: 4096,
      decoder: {
        session_options: { log_id: 'onnxruntime-genai', provider_options: [] },
        filename: 'phi3-mini-4k-instruct-cpu-int4-rtn-block-32-acc-level-4.onnx',
        head_size: 96,
        hidden_size: 3072,
        inputs: {
          input_ids: 'input_ids',
          attention_mask: 'attention_mask',
          past_key_names: 'past_key_values.%d.key',
          past_value_names: 'past_key_values.%d.value',
        },
        outputs: { logits: 'logits', present_key_names: 'present.%d.key', present_value_names: 'present.%d.value' },
        num_attention_heads: 32,
        num_hidden_layers: 32,
        num_key_value_heads: 32,
      },
      eos_token_id: [32000, 32001, 32007],
      pad_token_id: 32000,
      type: 'phi3',
      vocab_size: 32064,
    },
    search: {
      do_sample: false,
      max_length: 4096,
      min_length: 0,
      num_beams: 1,
      past_present_share_buffer: true,
      repetition_penalty: 1.0,
      temperature: 1.0,
      top_k: 1,
      top_p: 1.0,
    },
  };
}

describe('genai_config.json', () => {
  it("reads Phi-3-mini's config: graph, heads, eos ids, I/O names and search defaults", () => {
    const spec = parseGenaiConfig(JSON.stringify(phi3MiniConfig()));
    assert.equal(spec.graphFile, 'phi3-mini-4k-instruct-cpu-int4-rtn-block-32-acc-level-4.onnx');
    assert.deepEqual(
      [spec.modelType, spec.contextLength, spec.vocabSize, spec.numLayers, spec.numAttentionHeads, spec.numKeyValueHeads, spec.headSize],
      ['phi3', 4096, 32064, 32, 32, 32, 96],
    );
    assert.deepEqual(spec.eosTokenIds, [32000, 32001, 32007]);
    assert.equal(spec.io.pastKey(31), 'past_key_values.31.key');
    assert.equal(spec.io.presentValue(0), 'present.0.value');
    assert.equal(spec.io.positionIds, undefined);
    assert.deepEqual(spec.searchDefaults, {
      doSample: false,
      temperature: 1,
      topK: 1,
      topP: 1,
      repetitionPenalty: 1,
      maxLength: 4096,
      minLength: 0,
    });
  });

  it('says when the config was written for another runtime version', () => {
    const old = phi3MiniConfig();
    old.model.decoder.inputs = { input_ids: 'input_ids', attention_mask: 'attention_mask', past_names: 'past_%d' };
    assert.throws(
      () => parseGenaiConfig(JSON.stringify(old)),
      /combined past_names\/present_names tensors: it was written for a different onnxruntime-genai version/,
    );
    const pipeline = phi3MiniConfig();
    pipeline.model.decoder.pipeline = [{ embeddings: {} }];
    assert.throws(() => parseGenaiConfig(JSON.stringify(pipeline)), /multi-graph pipeline/);
    const noDecoder = phi3MiniConfig();
    delete noDecoder.model.decoder;
    assert.throws(
      () => parseGenaiConfig(JSON.stringify(noDecoder)),
      /has no model.decoder section: it was written for a different onnxruntime-genai version/,
    );
  });

  it('refuses vision models and unknown model types by name', () => {
    const vision = phi3MiniConfig();
    vision.model.type = 'phi3v';
    vision.model.vision = { filename: 'vision.onnx' };
    assert.throws(() => parseGenaiConfig(JSON.stringify(vision)), /"phi3v" model with vision, speech or encoder parts/);
    const other = phi3MiniConfig();
    other.model.type = 'whisper';
    assert.throws(() => parseGenaiConfig(JSON.stringify(other)), /names model type "whisper"/);
  });

  it('takes the decoder file only as a plain name in the model folder: a downloaded config cannot point outside it', () => {
    for (const filename of [
      '../../outside.onnx',
      '/etc/model.onnx',
      'sub/model.onnx',
      '..\\model.onnx',
      'C:model.onnx',
      '..',
      'model.onnx\0.txt',
    ]) {
      const hostile = phi3MiniConfig();
      hostile.model.decoder.filename = filename;
      assert.throws(
        () => parseGenaiConfig(JSON.stringify(hostile)),
        {
          kind: 'unsupported-config',
          message: `genai_config.json names the decoder file ${JSON.stringify(filename)}; it must be a file name in the model folder (such as "model.onnx"), not a path.`,
        },
        filename,
      );
    }
    const plain = phi3MiniConfig();
    plain.model.decoder.filename = 'phi3-mini-4k-instruct-cpu-int4-rtn-block-32-acc-level-4.onnx';
    assert.equal(parseGenaiConfig(JSON.stringify(plain)).graphFile, 'phi3-mini-4k-instruct-cpu-int4-rtn-block-32-acc-level-4.onnx');
  });

  it('names the field that is missing or mistyped, and refuses broken JSON', () => {
    const broken = phi3MiniConfig();
    broken.model.decoder.num_hidden_layers = '32';
    assert.throws(() => parseGenaiConfig(JSON.stringify(broken)), /model.decoder.num_hidden_layers is missing or not a whole number/);
    assert.throws(() => parseGenaiConfig('{"model": '), /genai_config.json is not valid JSON/);
  });
});
