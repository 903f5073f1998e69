import { phi3Markers } from './phi3ChatFormat';

/** One message of a chat prompt: a role (MLflow allows any) and its text. */
export interface PromptFileMessage {
  readonly role: string;
  readonly content: string;
}

/** What a `.phi3prompt` file holds: a text prompt, or a chat prompt's messages. */
export type PromptFileTemplate = string | readonly PromptFileMessage[];

/** A `.phi3prompt` file that cannot be read as a prompt: says where and why. */
export class PromptFileError extends Error {}

const roleMarker = /<\|(system|user|assistant)\|>/g;
const commentLine = /^[ \t]*\/\/.*(?:\r?\n|$)/gm;

/**
 * A `.phi3prompt` file as a prompt template. The format is the one its grammar highlights
 * (syntaxes/phi3-prompt.tmLanguage.json): Phi-3's chat markup with `{{ name }}` placeholders, and
 * lines starting with `//` as notes that are not part of the prompt. A file with role markers
 * (`<|system|>`, `<|user|>`, `<|assistant|>`) is a chat prompt, one message per marker, each ended
 * by `<|end|>`, the next marker or `<|endoftext|>`; a last `<|assistant|>` with nothing after it is
 * the cue for the model to answer, not a message. A file without markers is a text prompt. Text
 * around each message is trimmed: the line breaks the markup sits on are layout, not prompt.
 */
export function parsePromptFile(text: string): PromptFileTemplate {
  const body = text.replace(/^\uFEFF/, '').replace(commentLine, '');
  const markers = [...body.matchAll(roleMarker)];
  if (markers.length === 0) {
    const template = body.trim();
    if (!template) throw new PromptFileError('The prompt file is empty (only notes, or nothing at all).');
    if (body.includes(phi3Markers.end))
      throw new PromptFileError('The prompt file has <|end|> but no <|system|>, <|user|> or <|assistant|> before it.');
    return template;
  }
  const before = body.slice(0, markers[0]!.index).trim();
  if (before)
    throw new PromptFileError(`Text before the first role marker: "${before.slice(0, 40)}". Put it in a <|system|> or <|user|> message.`);
  const messages: PromptFileMessage[] = [];
  markers.forEach((marker, index) => {
    const start = marker.index + marker[0].length;
    const end = index + 1 < markers.length ? markers[index + 1]!.index : body.length;
    let content = body.slice(start, end);
    const closed = content.indexOf(phi3Markers.end);
    const ended = content.indexOf(phi3Markers.endOfText);
    const cut = [closed, ended].filter((at) => at >= 0);
    if (cut.length) {
      const after = content
        .slice(Math.min(...cut))
        .replace(phi3Markers.end, '')
        .replace(phi3Markers.endOfText, '')
        .trim();
      if (after) throw new PromptFileError(`Text after a message's end: "${after.slice(0, 40)}". Start it with a role marker.`);
      content = content.slice(0, Math.min(...cut));
    }
    messages.push({ role: marker[1]!, content: content.trim() });
  });
  const last = messages[messages.length - 1]!;
  if (last.role === 'assistant' && last.content === '') messages.pop();
  const empty = messages.find((message) => message.content === '');
  if (empty) throw new PromptFileError(`A <|${empty.role}|> message is empty.`);
  if (messages.length === 0) throw new PromptFileError('The prompt file has no message: only the <|assistant|> cue.');
  return messages;
}

/** A template as a `.phi3prompt` file: a text prompt as it is, a chat prompt in Phi-3's markup. */
export function formatPromptFile(template: PromptFileTemplate): string {
  if (typeof template === 'string') return template.endsWith('\n') ? template : `${template}\n`;
  return template.map((message) => `<|${message.role}|>\n${message.content}${phi3Markers.end}\n`).join('');
}
