import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatPromptFile, parsePromptFile, PromptFileError } from '../../../src/formats/phi3PromptFile';
import { repoRoot } from '../../harness/paths';

const refused = (message: string) => (error: unknown) => error instanceof PromptFileError && error.message === message;

describe('.phi3prompt files as prompt templates', () => {
  it('reads the grammar test file as the chat prompt it highlights: notes left out, the closing assistant cue dropped', () => {
    const text = readFileSync(join(repoRoot, 'test', 'grammars', 'prompt.test.phi3prompt'), 'utf8');
    assert.deepEqual(parsePromptFile(text), [
      { role: 'system', content: 'You answer questions about {{ topic }}, then stop.' },
      { role: 'user', content: 'Hello' },
    ]);
  });

  it('reads a file without role markers as a text prompt, trimmed, its inner line breaks and placeholders kept', () => {
    assert.equal(
      parsePromptFile('// a greeting for new users\n\nHello {{ name }},\n  welcome to {{place}}!\n// signed\n\n'),
      'Hello {{ name }},\n  welcome to {{place}}!',
    );
    // A // that does not start its line is prompt text.
    assert.equal(parsePromptFile('See https://example.com // not a note'), 'See https://example.com // not a note');
  });

  it('keeps few-shot assistant messages, and messages ended by the next marker or <|endoftext|>', () => {
    const text =
      '<|system|>\nBe brief.\n<|user|>\nHi {{ who }}<|end|>\n<|assistant|>\nHello!<|end|>\n<|user|>\n{{ question }}<|endoftext|>';
    assert.deepEqual(parsePromptFile(text), [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi {{ who }}' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: '{{ question }}' },
    ]);
  });

  it('refuses what is no prompt, saying why', () => {
    assert.throws(() => parsePromptFile('// only a note\n\n'), refused('The prompt file is empty (only notes, or nothing at all).'));
    assert.throws(
      () => parsePromptFile('intro\n<|user|>\nHi<|end|>'),
      refused('Text before the first role marker: "intro". Put it in a <|system|> or <|user|> message.'),
    );
    assert.throws(
      () => parsePromptFile('<|user|>\nHi<|end|>\nstray'),
      refused('Text after a message\'s end: "stray". Start it with a role marker.'),
    );
    assert.throws(() => parsePromptFile('<|system|><|end|><|user|>Hi<|end|>'), refused('A <|system|> message is empty.'));
    assert.throws(() => parsePromptFile('<|assistant|>\n'), refused('The prompt file has no message: only the <|assistant|> cue.'));
    assert.throws(
      () => parsePromptFile('Hello<|end|>'),
      refused('The prompt file has <|end|> but no <|system|>, <|user|> or <|assistant|> before it.'),
    );
  });

  it('writes a template as a file that reads back the same', () => {
    const chat = [
      { role: 'system', content: 'You are {{ persona }}.\nBe kind.' },
      { role: 'user', content: '{{ question }}' },
    ];
    assert.equal(formatPromptFile(chat), '<|system|>\nYou are {{ persona }}.\nBe kind.<|end|>\n<|user|>\n{{ question }}<|end|>\n');
    assert.deepEqual(parsePromptFile(formatPromptFile(chat)), chat);
    assert.equal(formatPromptFile('Hi {{ name }}'), 'Hi {{ name }}\n');
    assert.equal(parsePromptFile(formatPromptFile('Hi {{ name }}')), 'Hi {{ name }}');
  });
});
