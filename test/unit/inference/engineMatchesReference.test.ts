/**
 * The engine against the reference runtime, on every committed test model: the same greedy token ids
 * for every recorded prompt, first-step logits within 1e-4, and the model's tokenizer giving the
 * reference tokenizer's ids.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LocalModel } from '../../../src/inference/localModel';
import { engineBackends } from './engineBackends';
import { referencedModels, referenceLogits } from './referenceModels';

const models = referencedModels();

describe('the engine matches the reference runtime', () => {
  it('has the test models to compare against', () => {
    assert.deepEqual(
      models.map((m) => m.name),
      ['phi3-tiny-genai-fp32', 'phi3-tiny-genai-int4', 'phi3-tiny-gqa-genai-int4', 'phi3-tiny-transformersjs'],
    );
  });

  for (const backend of engineBackends) {
    for (const { name, folder, reference } of models) {
      describe(`${name} (${backend})`, () => {
        let model: LocalModel;
        before(async () => {
          model = await LocalModel.load(folder, { backend });
          assert.equal(model.backend, backend);
        });
        after(() => model.dispose());

        for (const prompt of reference.prompts) {
          it(`prompt "${prompt.id}": tokenizes as the reference does and generates the same ${prompt.output_ids.length} greedy ids`, async () => {
            assert.deepEqual(model.tokenize({ prompt: prompt.text }), prompt.input_ids);
            model.resetCache();
            const result = await model.generate({
              input: { inputIds: prompt.input_ids },
              options: { doSample: false, maxLength: prompt.max_length },
            });
            assert.deepEqual(result.tokenIds, prompt.output_ids);
            assert.equal(result.stopReason, prompt.input_ids.length + prompt.output_ids.length >= prompt.max_length ? 'max-length' : 'eos');
          });

          it(`prompt "${prompt.id}": first-step logits within 1e-4 of the reference`, async () => {
            const ours = await model.firstStepLogits(prompt.input_ids);
            const theirs = referenceLogits(folder, prompt.first_logits_file);
            assert.equal(ours.length, theirs.length);
            let worst = 0;
            for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - theirs[i]!));
            assert.ok(worst <= 1e-4, `largest difference ${worst}`);
          });
        }

        for (const run of reference.search_cases ?? []) {
          it(`prompt "${run.prompt}" with repetition penalty ${run.search.repetition_penalty}: the reference's ids`, async () => {
            model.resetCache();
            const result = await model.generate({
              input: { inputIds: run.input_ids },
              options: { doSample: false, maxLength: run.max_length, repetitionPenalty: run.search.repetition_penalty ?? 1 },
            });
            assert.deepEqual(result.tokenIds, run.output_ids);
          });
        }

        for (const sample of reference.tokenizer_cases ?? []) {
          it(`tokenizes ${JSON.stringify(sample.text.slice(0, 40))} to the reference ids`, () => {
            assert.deepEqual(model.tokenize({ prompt: sample.text }), sample.ids);
          });
        }
      });
    }
  }
});
