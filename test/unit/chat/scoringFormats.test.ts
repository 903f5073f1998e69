/** The request bodies and answers of the two served-model signatures, exactly as the scoring server takes and gives them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invocationBody, MalformedAnswerError, parseInvocationAnswer } from '../../../src/mlflow/scoring/scoringFormats';
import { chatSignature, promptSignature, scoringSignatureOf } from '../../../src/mlflow/scoring/scoringSignature';

const conversation = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello.' },
  { role: 'user', content: 'Name a colour.' },
] as const;

describe('served-model request bodies', () => {
  it('llm/v1/chat: the messages, and the settings under their OpenAI names', () => {
    assert.deepEqual(invocationBody(chatSignature, { messages: conversation }, { maxTokens: 64, temperature: 0.7, topP: 0.9, topK: 40 }), {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'Name a colour.' },
      ],
      temperature: 0.7,
      max_tokens: 64,
      top_p: 0.9,
      top_k: 40,
    });
    assert.deepEqual(invocationBody(chatSignature, { messages: [{ role: 'user', content: 'Hi' }] }, {}), {
      messages: [{ role: 'user', content: 'Hi' }],
    });
  });

  it('{prompt}: the conversation in the Phi-3 chat format, as inputs or dataframe_records, without settings', () => {
    const prompt =
      '<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello.<|end|>\n<|user|>\nName a colour.<|end|>\n<|assistant|>\n';
    assert.deepEqual(invocationBody(promptSignature, { messages: conversation }, { maxTokens: 64 }), { inputs: { prompt: [prompt] } });
    assert.deepEqual(
      invocationBody({ kind: 'prompt', promptInput: 'question', requestShape: 'dataframe_records' }, { messages: conversation }),
      { dataframe_records: [{ question: prompt }] },
    );
  });
});

describe('raw prompts', () => {
  it('go to a {prompt} model exactly as typed, and are refused for llm/v1/chat', () => {
    const raw = '<|system|>\nYou are terse.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\n';
    assert.deepEqual(invocationBody(promptSignature, { prompt: raw }), { inputs: { prompt: [raw] } });
    assert.throws(() => invocationBody(chatSignature, { prompt: raw }), {
      message: 'A raw prompt cannot be sent to an llm/v1/chat model, which takes messages: turn raw-prompt mode off.',
    });
  });
});

describe('served-model answers', () => {
  const completion = {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1700000000,
    model: 'phi-3',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Blue.' }, finish_reason: 'length' }],
    usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
  };

  it('llm/v1/chat: a list of one completion (what the scoring server returns), a bare completion, or wrapped in predictions', () => {
    const expected = { text: 'Blue.', usage: { promptTokens: 12, completionTokens: 3, totalTokens: 15 }, finishReason: 'length' };
    assert.deepEqual(parseInvocationAnswer(chatSignature, [completion]), expected);
    assert.deepEqual(parseInvocationAnswer(chatSignature, completion), expected);
    assert.deepEqual(parseInvocationAnswer(chatSignature, { predictions: [completion] }), expected);
    assert.deepEqual(parseInvocationAnswer(chatSignature, { choices: [{ message: { role: 'assistant', content: null } }] }), { text: '' });
  });

  it('{prompt}: the first prediction', () => {
    assert.deepEqual(parseInvocationAnswer(promptSignature, { predictions: ['Blue.'] }), { text: 'Blue.' });
    assert.deepEqual(parseInvocationAnswer(promptSignature, { predictions: [{ 0: 'Blue.' }] }), { text: 'Blue.' });
    assert.deepEqual(parseInvocationAnswer(promptSignature, 'Blue.'), { text: 'Blue.' });
  });

  it('anything else is a MalformedAnswerError that shows what came back', () => {
    assert.throws(() => parseInvocationAnswer(chatSignature, { predictions: ['Blue.'] }), {
      name: 'MalformedAnswerError',
      message:
        'The served model\'s answer is not an llm/v1/chat completion ({"choices": [{"message": {"content": ...}}]}): {"predictions":["Blue."]}',
    });
    assert.throws(() => parseInvocationAnswer(promptSignature, { predictions: [42] }), {
      name: 'MalformedAnswerError',
      message: 'The served model\'s answer is not a {"predictions": ["..."]} answer with one string per prompt: {"predictions":[42]}',
    });
    assert.throws(() => parseInvocationAnswer(chatSignature, { choices: [] }), MalformedAnswerError);
    assert.throws(() => parseInvocationAnswer(chatSignature, [{ choices: [{ message: { content: 7 } }] }]), MalformedAnswerError);
  });
});

describe('the signature of a served model, from its MLmodel', () => {
  it('llm/v1/chat from the task metadata or a messages array input', () => {
    assert.deepEqual(scoringSignatureOf(undefined, 'llm/v1/chat'), chatSignature);
    assert.deepEqual(
      scoringSignatureOf({
        inputs: [
          { name: 'messages', type: 'array<object>', required: true },
          { name: 'temperature', type: 'double', required: false },
        ],
      }),
      chatSignature,
    );
  });

  it('{prompt} from one required string input, under its own name', () => {
    assert.deepEqual(scoringSignatureOf({ inputs: [{ name: 'prompt', type: 'string', required: true }] }), promptSignature);
    assert.deepEqual(scoringSignatureOf({ inputs: [{ name: 'question', type: 'string', required: true }] }), {
      kind: 'prompt',
      promptInput: 'question',
      requestShape: 'inputs',
    });
  });

  it('unknown otherwise: the user chooses', () => {
    assert.equal(scoringSignatureOf(undefined), undefined);
    assert.equal(
      scoringSignatureOf({
        inputs: [
          { name: 'a', type: 'string' },
          { name: 'b', type: 'string' },
        ],
      }),
      undefined,
    );
    assert.equal(scoringSignatureOf({ inputs: [{ type: 'tensor float32 [-1, 4]' }] }), undefined);
  });
});
