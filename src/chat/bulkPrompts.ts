import type { ChatMessage } from '../formats/phi3ChatFormat';
import { errorMessage } from '../errorMessage';

/** One prompt of a bulk run, from one line of the JSONL file. */
export interface BulkPrompt {
  /** 1-based line number in the file. */
  readonly line: number;
  /** What the model is asked: the messages, ending with the user's. */
  readonly messages: readonly ChatMessage[];
  /** The last user message: the prompt as the results table shows it. */
  readonly prompt: string;
  /** The line's `expected` answer, for the scorers that compare with one (src/evaluation). */
  readonly expected?: string;
}

export interface BulkProblem {
  readonly line: number;
  readonly message: string;
}

export interface BulkPrompts {
  readonly prompts: readonly BulkPrompt[];
  /** Lines that were not a prompt, each with why: reported, and the rest still run. */
  readonly problems: readonly BulkProblem[];
}

const roles = new Set(['system', 'user', 'assistant']);

/**
 * Reads a JSONL file of prompts: each non-blank line is `{"prompt": "..."}` or
 * `{"messages": [{"role": ..., "content": ...}, ...]}` (the `llm/v1/chat` shape, ending with a user
 * message). A line that is neither is reported by number and left out; blank lines are skipped.
 * `systemPrompt` (the panel's) goes before a `prompt` line's message; a `messages` line has its own.
 * Either may carry `"expected": "..."`, the answer the scorers compare with.
 */
export function parseBulkPrompts(text: string, systemPrompt = ''): BulkPrompts {
  const prompts: BulkPrompt[] = [];
  const problems: BulkProblem[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (!raw.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      problems.push({ line, message: `not valid JSON (${errorMessage(error)})` });
      return;
    }
    const problem = (message: string) => problems.push({ line, message });
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return problem('expected an object with "prompt" or "messages"');
    const record = value as Record<string, unknown>;
    if ('prompt' in record && 'messages' in record) return problem('has both "prompt" and "messages"; give one');
    if ('expected' in record && typeof record.expected !== 'string') return problem('"expected" must be text');
    const expected = typeof record.expected === 'string' ? { expected: record.expected } : {};
    if ('prompt' in record) {
      if (typeof record.prompt !== 'string' || !record.prompt.trim()) return problem('"prompt" must be non-empty text');
      const messages: ChatMessage[] = [
        ...(systemPrompt.trim() ? [{ role: 'system' as const, content: systemPrompt }] : []),
        { role: 'user', content: record.prompt },
      ];
      prompts.push({ line, messages, prompt: record.prompt, ...expected });
      return;
    }
    if (!('messages' in record)) return problem('expected "prompt" or "messages"');
    const messages = record.messages;
    if (!Array.isArray(messages) || messages.length === 0) return problem('"messages" must be a non-empty list');
    for (const [at, message] of messages.entries()) {
      const m = message as Record<string, unknown> | null;
      if (typeof m !== 'object' || m === null || !roles.has(m.role as string) || typeof m.content !== 'string') {
        return problem(`messages[${at}] must be {"role": "system" | "user" | "assistant", "content": text}`);
      }
    }
    const checked = (messages as Array<{ role: ChatMessage['role']; content: string }>).map(({ role, content }) => ({ role, content }));
    const last = checked[checked.length - 1]!;
    if (last.role !== 'user') return problem(`the last message must be the user's (got "${last.role}")`);
    prompts.push({ line, messages: checked, prompt: last.content, ...expected });
  });
  return { prompts, problems };
}

/** "Line 2: not valid JSON (…); line 5: …", for the panel's notice. */
export function describeBulkProblems(problems: readonly BulkProblem[]): string {
  return problems.map((p, i) => `${i === 0 ? 'Line' : 'line'} ${p.line}: ${p.message}`).join('; ');
}
