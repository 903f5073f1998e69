/**
 * The chat's model layer on real models: the local engine (its own process) on a random-weight
 * Phi-3 test model. Served models go through the same interface in scoringClient.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalChatBackend } from '../../../src/chat/chatBackend';
import { defaultChatSettings } from '../../../src/chat/generationSettings';
import { repoRoot } from '../../harness/paths';

const folder = join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-genai-int4');
const hello = { messages: [{ role: 'user', content: 'Hello' }] } as const;

describe('the local chat backend on phi3-tiny-genai-int4', () => {
  let backend: LocalChatBackend;
  before(async () => {
    backend = new LocalChatBackend({ kind: 'local', folder }, () => undefined);
    await backend.open();
  });
  after(() => backend?.dispose());

  it('knows the context window and counts the prompt the Phi-3 chat format makes', async () => {
    assert.equal(backend.contextLength, 4096);
    assert.equal(backend.title, 'phi3-tiny-genai-int4');
    // <|user|> Hello <|end|> <|assistant|>
    assert.equal(await backend.countTokens(hello), 4);
    assert.equal(backend.exactPrompt(hello), '<|user|>\nHello<|end|>\n<|assistant|>\n');
    assert.equal(await backend.countTokens({ prompt: '<|user|>\nHello<|end|>\n<|assistant|>\n' }), 4);
  });

  it('streams the answer in pieces and stops at max new tokens, the same answer each time (greedy)', async () => {
    const pieces: string[] = [];
    const answer = await backend.answer(hello, { ...defaultChatSettings, maxNewTokens: 12 }, (piece) => pieces.push(piece));
    assert.equal(answer.figures.newTokens, 12);
    assert.equal(answer.figures.stopReason, 'max-new-tokens');
    assert.equal(answer.figures.promptTokens, 4);
    assert.ok(pieces.length > 1, `streamed in ${pieces.length} piece(s)`);
    assert.equal(pieces.join(''), answer.text);
    assert.ok(answer.figures.timeToFirstTokenMs > 0);
    assert.ok(answer.figures.tokensPerSecond! > 0);
    const again = await backend.answer(hello, { ...defaultChatSettings, maxNewTokens: 5 }, () => undefined);
    assert.equal(again.figures.newTokens, 5);
    assert.ok(answer.text.startsWith(again.text), 'greedy: the shorter answer is the start of the longer one');
  });

  it('a raw prompt is generated from exactly as typed: the same tokens as the chat it spells out', async () => {
    const raw = await backend.answer(
      { prompt: '<|user|>\nHello<|end|>\n<|assistant|>\n' },
      { ...defaultChatSettings, maxNewTokens: 6 },
      () => undefined,
    );
    const chat = await backend.answer(hello, { ...defaultChatSettings, maxNewTokens: 6 }, () => undefined);
    assert.equal(raw.figures.promptTokens, 4);
    assert.equal(raw.text, chat.text);
    assert.equal(backend.exactPrompt({ prompt: 'as typed' }), 'as typed');
  });

  it('a stop sequence ends the answer where it first appears, and never shows while streaming', async () => {
    const full = await backend.answer(hello, { ...defaultChatSettings, maxNewTokens: 12 }, () => undefined);
    // Greedy gives the same text again: stop at a piece from its middle.
    const sequence = full.text.slice(8, 12);
    const expected = full.text.slice(0, full.text.indexOf(sequence));
    const pieces: string[] = [];
    const stopped = await backend.answer(
      hello,
      { ...defaultChatSettings, maxNewTokens: 12, stopSequences: ['never appears', sequence] },
      (piece) => pieces.push(piece),
    );
    assert.equal(stopped.text, expected);
    assert.equal(pieces.join(''), expected);
    assert.equal(stopped.figures.stopReason, 'stop-sequence');
    assert.ok(stopped.figures.newTokens! < 12);
  });

  it('Stop halts the answer at once with what was made', async () => {
    let pieces = 0;
    const answer = await backend.answer(hello, { ...defaultChatSettings, maxNewTokens: 3000 }, () => {
      if (++pieces === 2) backend.stop();
    });
    assert.equal(answer.figures.stopReason, 'cancelled');
    assert.ok(answer.figures.newTokens! < 50, `stopped after ${answer.figures.newTokens} tokens`);
  });

  it("an invalid setting is refused with the engine's message, and the backend stays usable", async () => {
    await assert.rejects(
      backend.answer(hello, { ...defaultChatSettings, doSample: true, topP: 0 }, () => undefined),
      {
        name: 'InferenceError',
        kind: 'invalid-option',
        message: 'Invalid generation setting: top-p must be above 0 and at most 1 (got 0).',
      },
    );
    assert.equal((await backend.answer(hello, { ...defaultChatSettings, maxNewTokens: 2 }, () => undefined)).figures.newTokens, 2);
  });
});

describe('the local chat backend on a folder that is not a model', () => {
  it("fails to open with the engine's message, and opens again when asked", async () => {
    const notAModel = mkdtempSync(join(tmpdir(), 'phi3-not-a-model-'));
    writeFileSync(join(notAModel, 'README.md'), 'nothing here');
    const backend = new LocalChatBackend({ kind: 'local', folder: notAModel }, () => undefined);
    try {
      await assert.rejects(backend.open(), { name: 'InferenceError', kind: 'not-a-model-folder' });
      await assert.rejects(backend.open(), { name: 'InferenceError', kind: 'not-a-model-folder' });
    } finally {
      backend.dispose();
      rmSync(notAModel, { recursive: true, force: true });
    }
  });
});
