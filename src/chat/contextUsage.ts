/** How much of a model's context window a conversation takes, and whether the next prompt fits. */
export interface ContextUsage {
  readonly usedTokens: number;
  readonly contextLength: number;
  /** Set when the prompt leaves no room for even one new token. */
  readonly problem?: string;
}

export function contextUsage(promptTokens: number, contextLength: number): ContextUsage {
  if (promptTokens < contextLength) return { usedTokens: promptTokens, contextLength };
  return {
    usedTokens: promptTokens,
    contextLength,
    problem: `The prompt is ${promptTokens} tokens and the model's context window is ${contextLength}: it does not fit. Clear the conversation, shorten the system prompt or the message, and send again.`,
  };
}
