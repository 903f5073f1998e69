/** One message of a conversation, as the chat panel and the MLflow `llm/v1/chat` signature have it. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** Phi-3's special tokens, as their text appears in prompts. */
export const phi3Markers = {
  system: '<|system|>',
  user: '<|user|>',
  assistant: '<|assistant|>',
  end: '<|end|>',
  endOfText: '<|endoftext|>',
} as const;

/**
 * The Phi-3 chat format, as Phi-3's own chat template writes it:
 * `<|system|>\n…<|end|>\n<|user|>\n…<|end|>\n<|assistant|>\n`. The prompt ends with the assistant
 * marker so the model answers; earlier assistant turns are closed with `<|end|>`.
 */
export function formatPhi3Chat(messages: readonly ChatMessage[]): string {
  let prompt = '';
  for (const message of messages) {
    prompt += `${phi3Markers[message.role]}\n${message.content}${phi3Markers.end}\n`;
  }
  return `${prompt}${phi3Markers.assistant}\n`;
}
