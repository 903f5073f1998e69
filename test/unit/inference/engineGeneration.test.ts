import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InferenceError } from '../../../src/inference/inferenceError';
import { LocalModel } from '../../../src/inference/localModel';
import { StreamingDetokenizer } from '../../../src/inference/streamingDetokenizer';
import { fixtureModel } from './fixtureModels';
import { engineBackends } from './engineBackends';
import { referencedModels } from './referenceModels';

const name = 'phi3-tiny-genai-int4';
const reference = referencedModels().find((m) => m.name === name)!.reference;

for (const backend of engineBackends) {
  describe(`generation on ${name} (${backend})`, () => {
    let model: LocalModel;
    before(async () => {
      model = await LocalModel.load(fixtureModel(name), { backend });
    });
    after(() => model.dispose());

    it('streams text pieces that add up to the decoded answer, and reports the figures', async () => {
      model.resetCache();
      const pieces: string[] = [];
      const result = await model.generate({
        input: { messages: [{ role: 'user', content: 'Hello' }] },
        options: { maxNewTokens: 24 },
        onText: (text) => pieces.push(text),
      });
      assert.equal(result.tokenIds.length, 24);
      assert.equal(result.stopReason, 'max-new-tokens');
      assert.equal(pieces.join(''), result.text);
      assert.equal(result.text, model.tokenizer.decode(result.tokenIds));
      assert.deepEqual(
        [result.stats.promptTokens, result.stats.reusedTokens, result.stats.newTokens, result.stats.contextLength],
        [4, 0, 24, 4096],
      );
      assert.ok(result.stats.timeToFirstTokenMs > 0 && result.stats.decodeTokensPerSecond > 0 && result.stats.prefillTokensPerSecond > 0);
      // Tokenizing is the first part of the time to the first token.
      assert.ok(
        result.stats.tokenizeMs > 0 && result.stats.tokenizeMs < result.stats.timeToFirstTokenMs,
        `tokenize ${result.stats.tokenizeMs} ms of ${result.stats.timeToFirstTokenMs} ms`,
      );
    });

    it('tells onToken of every token as it is picked, in order', async () => {
      model.resetCache();
      const seen: number[] = [];
      const times: number[] = [];
      const result = await model.generate({
        input: { prompt: 'Count with me' },
        options: { maxNewTokens: 12 },
        onToken: (id) => {
          seen.push(id);
          times.push(performance.now());
        },
      });
      assert.deepEqual(seen, result.tokenIds);
      assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]!));
    });

    it('never emits half a UTF-8 character or a special token while streaming', () => {
      const text = 'héllo 日本語 🙂 done';
      const ids = model.tokenizer.encode(`${text}<|end|>`);
      const detokenizer = new StreamingDetokenizer((part) => model.tokenizer.decode(part));
      const pieces = ids.map((id) => detokenizer.push(id));
      pieces.push(detokenizer.flush());
      assert.ok(
        pieces.every((piece) => !piece.includes('\uFFFD')),
        JSON.stringify(pieces),
      );
      assert.equal(pieces.join(''), text);
      // The emoji is four byte-fallback tokens: three of them complete nothing.
      assert.ok(pieces.filter((piece) => piece === '').length >= 3);
    });

    it('continues a conversation from its cached keys and values, with the ids a full recompute gives', async () => {
      const turn = reference.multi_turn!;
      model.resetCache();
      const first = await model.generate({
        input: { inputIds: turn.first_input_ids },
        options: { maxLength: turn.first_input_ids.length + turn.first_output_ids.length },
      });
      assert.deepEqual(first.tokenIds, turn.first_output_ids);
      const conversation = [...turn.first_input_ids, ...first.tokenIds, ...turn.second_input_ids];
      const continued = await model.generate({ input: { inputIds: conversation }, options: { maxLength: turn.max_length } });
      // Everything but the last answer token (never run through the model) came from the cache.
      assert.equal(continued.stats.reusedTokens, turn.first_input_ids.length + turn.first_output_ids.length - 1);
      model.resetCache();
      const recomputed = await model.generate({ input: { inputIds: conversation }, options: { maxLength: turn.max_length } });
      assert.equal(recomputed.stats.reusedTokens, 0);
      assert.deepEqual(continued.tokenIds, recomputed.tokenIds);
      // The reference's correct continuation (onnxruntime-genai 0.18's own append path drops the pending token: see its README).
      assert.deepEqual(continued.tokenIds, turn.second_output_ids);
    });

    it('cuts the cache back to the shared prefix when an earlier turn changes', async () => {
      model.resetCache();
      const base = reference.prompts.find((p) => p.id === 'long')!.input_ids;
      await model.generate({ input: { inputIds: base }, options: { maxNewTokens: 4 } });
      const edited = [...base.slice(0, 20), 450, 4996];
      const result = await model.generate({ input: { inputIds: edited }, options: { maxNewTokens: 6 } });
      assert.equal(result.stats.reusedTokens, 20);
      model.resetCache();
      const fresh = await model.generate({ input: { inputIds: edited }, options: { maxNewTokens: 6 } });
      assert.deepEqual(result.tokenIds, fresh.tokenIds);
    });

    it('stops within one decode step when asked', async () => {
      model.resetCache();
      let pieces = 0;
      const result = await model.generate({
        input: { prompt: 'The quick brown fox' },
        options: { maxNewTokens: 200 },
        onText: () => pieces++,
        shouldStop: () => pieces >= 3,
      });
      assert.equal(result.stopReason, 'cancelled');
      assert.ok(result.tokenIds.length <= pieces + 3, `${result.tokenIds.length} tokens after ${pieces} pieces`);
      assert.ok(result.tokenIds.length < 20);
    });

    it('samples reproducibly with a seed', async () => {
      const sampleWith = async (seed: number) => {
        model.resetCache();
        const r = await model.generate({
          input: { prompt: 'Once upon a time' },
          options: { doSample: true, temperature: 1.5, topK: 50, topP: 0.95, seed, maxNewTokens: 16 },
        });
        return r.tokenIds;
      };
      const first = await sampleWith(1234);
      assert.deepEqual(await sampleWith(1234), first);
      assert.notDeepEqual(await sampleWith(99), first);
      model.resetCache();
      const greedy = await model.generate({ input: { prompt: 'Once upon a time' }, options: { maxNewTokens: 16 } });
      assert.notDeepEqual(first, greedy.tokenIds);
    });

    it('counts max_length as prompt plus new tokens, and refuses a prompt that leaves no room', async () => {
      model.resetCache();
      const prompt = reference.prompts.find((p) => p.id === 'plain')!.input_ids;
      const result = await model.generate({ input: { inputIds: prompt }, options: { maxLength: prompt.length + 5 } });
      assert.equal(result.tokenIds.length, 5);
      assert.equal(result.stopReason, 'max-length');
      await assert.rejects(
        model.generate({ input: { inputIds: prompt }, options: { maxLength: prompt.length } }),
        (error: unknown) =>
          error instanceof InferenceError &&
          error.kind === 'prompt-too-long' &&
          /The prompt is 16 tokens, which leaves no room to answer within the max length of 16 tokens/.test(error.message),
      );
      await assert.rejects(model.generate({ input: { prompt: '' } }), /The prompt is empty/);
    });

    it('refuses a second generation while one runs', async () => {
      model.resetCache();
      const running = model.generate({ input: { prompt: 'Hello' }, options: { maxNewTokens: 8 } });
      await assert.rejects(
        model.generate({ input: { prompt: 'Hi' } }),
        (error: unknown) => error instanceof InferenceError && error.kind === 'busy',
      );
      assert.equal((await running).tokenIds.length, 8);
    });
  });
}
