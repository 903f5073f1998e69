/** The chat's plain state: the conversation, its settings, the context window, its exports and the webview protocol. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseViewMessage } from '../../../src/chat/chatProtocol';
import { contextUsage } from '../../../src/chat/contextUsage';
import { Conversation } from '../../../src/chat/conversation';
import { conversationToJson, conversationToMarkdown, describeFigures } from '../../../src/chat/conversationExport';
import { checkChatSettings, defaultChatSettings, toSearchOptions, toServedSettings } from '../../../src/chat/generationSettings';

const figures = { newTokens: 3, promptTokens: 20, timeToFirstTokenMs: 41.6, tokensPerSecond: 120.44, stopReason: 'max-new-tokens' };

function sampleConversation(): Conversation {
  const conversation = new Conversation();
  conversation.systemPrompt = 'Be brief.';
  const first = conversation.ask('Hi');
  conversation.append(first, 'Hel');
  conversation.append(first, 'lo');
  conversation.finish(first, 'Hello **there**', figures);
  const second = conversation.ask('Name a colour');
  conversation.fail(second, 'The local engine process was killed (SIGKILL).');
  return conversation;
}

describe('the conversation', () => {
  it('streams into a pending answer, finishes it with figures, keeps a failed one with its error', () => {
    const conversation = new Conversation();
    const id = conversation.ask('Hi');
    assert.equal(conversation.isGenerating, true);
    conversation.append(id, 'He');
    conversation.append(id, 'llo');
    assert.deepEqual(conversation.turn(id), { id: 2, role: 'assistant', content: 'Hello', pending: true });
    conversation.finish(id, 'Hello', figures);
    assert.equal(conversation.isGenerating, false);
    assert.deepEqual(sampleConversation().turns, [
      { id: 1, role: 'user', content: 'Hi' },
      { id: 2, role: 'assistant', content: 'Hello **there**', figures },
      { id: 3, role: 'user', content: 'Name a colour' },
      { id: 4, role: 'assistant', content: '', error: 'The local engine process was killed (SIGKILL).' },
    ]);
  });

  it('asks the model with the system prompt and completed answers only', () => {
    const conversation = sampleConversation();
    assert.deepEqual(conversation.messagesForModel(), [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello **there**' },
      { role: 'user', content: 'Name a colour' },
    ]);
    conversation.systemPrompt = '  ';
    assert.equal(conversation.messagesForModel()[0]!.role, 'user');
  });

  it('leaves raw-prompt turns out of what the model is asked next: they stand alone', () => {
    const conversation = sampleConversation();
    const raw = conversation.ask('<|user|>\nHi<|end|>\n<|assistant|>\n', true);
    conversation.finish(raw, 'Hey', figures);
    assert.deepEqual(conversation.turns.slice(-2), [
      { id: 5, role: 'user', content: '<|user|>\nHi<|end|>\n<|assistant|>\n', raw: true },
      { id: 6, role: 'assistant', content: 'Hey', figures, raw: true },
    ]);
    assert.deepEqual(
      conversation.messagesForModel().map((m) => m.content),
      ['Be brief.', 'Hi', 'Hello **there**', 'Name a colour'],
    );
  });

  it('comes back from a snapshot with new ids after the old ones; an answer cut by a reload is marked', () => {
    const conversation = new Conversation();
    conversation.ask('Hi');
    const restored = new Conversation(JSON.parse(JSON.stringify(conversation.snapshot)));
    assert.deepEqual(restored.turns[1], {
      id: 2,
      role: 'assistant',
      content: '',
      pending: false,
      error: 'Interrupted: the window was reloaded while this answer was generated.',
    });
    assert.equal(restored.isGenerating, false);
    assert.equal(restored.ask('Again'), 4);
    restored.clear();
    assert.deepEqual(restored.turns, []);
  });
});

describe('generation settings', () => {
  it("reads the webview's strings and checks them with the engine's messages", () => {
    assert.deepEqual(
      checkChatSettings({
        maxNewTokens: '16',
        doSample: true,
        temperature: '0.5',
        topP: '0.9',
        topK: '40',
        repetitionPenalty: '1.1',
        seed: '',
      }),
      {
        maxNewTokens: 16,
        doSample: true,
        temperature: 0.5,
        topP: 0.9,
        topK: 40,
        repetitionPenalty: 1.1,
        seed: undefined,
        stopSequences: [],
      },
    );
    assert.deepEqual(checkChatSettings({ ...defaultChatSettings, stopSequences: '\\n\\n\nEND\n' }).stopSequences, ['\n\n', 'END']);
    assert.throws(() => checkChatSettings({ ...defaultChatSettings, stopSequences: 'a\nb\nc\nd\ne' }), {
      message: 'Invalid generation setting: at most 4 stop sequences (got 5).',
    });
    assert.throws(() => checkChatSettings({ ...defaultChatSettings, stopSequences: [''] }), {
      message: 'Invalid generation setting: a stop sequence cannot be empty.',
    });
    assert.throws(() => checkChatSettings({ ...defaultChatSettings, maxNewTokens: '0' }), {
      name: 'InferenceError',
      kind: 'invalid-option',
      message: 'Invalid generation setting: max new tokens must be a whole number of 1 or more (got 0).',
    });
    assert.throws(() => checkChatSettings({ ...defaultChatSettings, topP: '1.5' }), {
      message: 'Invalid generation setting: top-p must be above 0 and at most 1 (got 1.5).',
    });
    assert.throws(() => checkChatSettings({ ...defaultChatSettings, temperature: 'hot' }), {
      message: 'Invalid generation setting: temperature must be a number (got "hot").',
    });
    assert.throws(() => checkChatSettings({ ...defaultChatSettings, seed: '-1' }), {
      message: 'Invalid generation setting: seed must be a whole number from 0 to 4294967295 (got -1).',
    });
  });

  it('becomes engine search options, or llm/v1/chat settings (sampling ones only with sampling on)', () => {
    const settings = { ...defaultChatSettings, maxNewTokens: 12, seed: 7 };
    assert.deepEqual(toSearchOptions(settings), {
      maxNewTokens: 12,
      doSample: false,
      temperature: 0.7,
      topP: 0.9,
      topK: 50,
      repetitionPenalty: 1,
      seed: 7,
    });
    assert.deepEqual(toServedSettings(settings), { maxTokens: 12 });
    assert.deepEqual(toServedSettings({ ...settings, doSample: true }), { maxTokens: 12, temperature: 0.7, topP: 0.9, topK: 50 });
    assert.deepEqual(toServedSettings({ ...settings, stopSequences: ['\n\n'] }), { maxTokens: 12, stop: ['\n\n'] });
  });
});

describe('the context window', () => {
  it('says when a prompt leaves no room for an answer', () => {
    assert.deepEqual(contextUsage(100, 4096), { usedTokens: 100, contextLength: 4096 });
    assert.deepEqual(contextUsage(4096, 4096), {
      usedTokens: 4096,
      contextLength: 4096,
      problem:
        "The prompt is 4096 tokens and the model's context window is 4096: it does not fit. Clear the conversation, shorten the system prompt or the message, and send again.",
    });
  });
});

describe('exports', () => {
  const input = {
    model: { kind: 'local' as const, location: '/models/phi3-tiny-genai-int4' },
    settings: { ...defaultChatSettings, maxNewTokens: 3 },
    conversation: sampleConversation().snapshot,
    exportedAt: '2026-11-23T21:00:00.000Z',
  };

  it('Markdown: model, settings, each message with its figures or error', () => {
    assert.equal(
      conversationToMarkdown(input),
      [
        '# Chat with a Phi-3 model',
        '',
        '- Model: local ONNX folder `/models/phi3-tiny-genai-int4`',
        '- Settings: max new tokens 3, greedy, repetition penalty 1, seed random',
        '- Exported: 2026-11-23T21:00:00.000Z',
        '',
        '## System',
        '',
        'Be brief.',
        '',
        '## User',
        '',
        'Hi',
        '',
        '## Assistant',
        '',
        'Hello **there**',
        '',
        '_3 tokens · 42 ms to first token · 120.4 tokens/s · max new tokens reached_',
        '',
        '## User',
        '',
        'Name a colour',
        '',
        '## Assistant',
        '',
        '_(no text)_',
        '',
        '> Error: The local engine process was killed (SIGKILL).',
        '',
      ].join('\n'),
    );
  });

  it('JSON: llm/v1/chat-style messages with figures, the settings and the model', () => {
    assert.deepEqual(
      JSON.parse(conversationToJson({ ...input, model: { kind: 'served', location: 'http://127.0.0.1:5001', signature: 'llm/v1/chat' } })),
      {
        format: 'phi3-mlflow-chat/1',
        exportedAt: '2026-11-23T21:00:00.000Z',
        model: { kind: 'served', location: 'http://127.0.0.1:5001', signature: 'llm/v1/chat' },
        settings: {
          maxNewTokens: 3,
          doSample: false,
          temperature: 0.7,
          topP: 0.9,
          topK: 50,
          repetitionPenalty: 1,
          seed: null,
          stopSequences: [],
        },
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello **there**', figures },
          { role: 'user', content: 'Name a colour' },
          { role: 'assistant', content: '', error: 'The local engine process was killed (SIGKILL).' },
        ],
      },
    );
  });

  it('settings with stop sequences', () => {
    assert.match(
      conversationToMarkdown({ ...input, settings: { ...input.settings, stopSequences: ['\n\n', 'END'] } }),
      /\n- Settings: max new tokens 3, greedy, repetition penalty 1, seed random, stop at "\\n\\n" or "END"\n/,
    );
  });

  it('figures for a stopped answer and for a served one without token counts', () => {
    assert.equal(
      describeFigures({ figures: { ...figures, newTokens: 1, tokensPerSecond: undefined, stopReason: 'cancelled' } }),
      '1 token · 42 ms to first token · stopped',
    );
    assert.equal(
      describeFigures({ figures: { ...figures, stopReason: 'stop-sequence' } }),
      '3 tokens · 42 ms to first token · 120.4 tokens/s · stop sequence reached',
    );
    assert.equal(
      describeFigures({
        figures: {
          newTokens: undefined,
          promptTokens: undefined,
          timeToFirstTokenMs: 812.2,
          tokensPerSecond: undefined,
          stopReason: 'stop',
        },
      }),
      '812 ms to first token',
    );
  });
});

describe('the webview protocol', () => {
  it('takes well-formed messages and drops the rest', () => {
    assert.deepEqual(parseViewMessage({ type: 'send', text: 'Hi' }), { type: 'send', text: 'Hi' });
    assert.deepEqual(parseViewMessage({ type: 'export', format: 'json' }), { type: 'export', format: 'json' });
    assert.deepEqual(parseViewMessage({ type: 'rawMode', on: true }), { type: 'rawMode', on: true });
    assert.equal(parseViewMessage({ type: 'rawMode', on: 'yes' }), undefined);
    assert.equal(parseViewMessage({ type: 'send', text: 3 }), undefined);
    assert.equal(parseViewMessage({ type: 'export', format: 'html' }), undefined);
    assert.equal(parseViewMessage({ type: 'runCommand', command: 'x' }), undefined);
    assert.equal(parseViewMessage('send'), undefined);
  });
});
