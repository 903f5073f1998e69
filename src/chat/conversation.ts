import type { ChatMessage } from '../formats/phi3ChatFormat';

/** The figures under an answer. */
export interface AnswerFigures {
  /** Tokens generated (a served model's completion tokens, when it reports them). */
  readonly newTokens: number | undefined;
  readonly promptTokens: number | undefined;
  /** Time to first token; for a served model (no streaming) the whole answer's latency. */
  readonly timeToFirstTokenMs: number;
  /** Generation speed after the first token (for a served model: tokens over the whole latency). */
  readonly tokensPerSecond: number | undefined;
  /** Why generation ended: eos, max-new-tokens, max-length, cancelled, stop-sequence, or the server's finish reason. */
  readonly stopReason: string | undefined;
}

export interface Turn {
  readonly id: number;
  readonly role: 'user' | 'assistant';
  readonly content: string;
  /** Assistant turns: set once the answer is complete (or stopped). */
  readonly figures?: AnswerFigures;
  /** Assistant turns: still being generated. */
  readonly pending?: boolean;
  /** Assistant turns that failed: the message shown in their place (the turn is not sent again). */
  readonly error?: string;
  /** Raw-prompt mode: the user's text went to the model exactly as typed; such turns stand alone. */
  readonly raw?: boolean;
  /** Assistant turns logged as an MLflow trace: its id (`tr-…`), to link to the run the chat is logged as. */
  readonly traceId?: string;
}

export interface ConversationSnapshot {
  readonly systemPrompt: string;
  readonly turns: readonly Turn[];
}

/**
 * One chat's state, kept in the extension host (the webview only shows it): the system prompt and
 * the turns. Plain data in and out, so it is saved as it is and restored after a reload.
 */
export class Conversation {
  private turnList: Turn[];
  private nextId: number;
  systemPrompt: string;

  constructor(snapshot: ConversationSnapshot = { systemPrompt: '', turns: [] }) {
    // An answer cut off by a reload is kept as it was, no longer pending.
    this.turnList = snapshot.turns.map((turn) =>
      turn.pending
        ? { ...turn, pending: false, error: turn.error ?? 'Interrupted: the window was reloaded while this answer was generated.' }
        : turn,
    );
    this.systemPrompt = snapshot.systemPrompt;
    this.nextId = Math.max(0, ...this.turnList.map((turn) => turn.id)) + 1;
  }

  get turns(): readonly Turn[] {
    return this.turnList;
  }

  get snapshot(): ConversationSnapshot {
    return { systemPrompt: this.systemPrompt, turns: this.turnList };
  }

  get isGenerating(): boolean {
    return this.turnList.some((turn) => turn.pending);
  }

  /** Adds the user's message and an empty pending answer; returns the answer's id. */
  ask(content: string, raw = false): number {
    this.turnList.push({ id: this.nextId++, role: 'user', content, ...(raw ? { raw } : {}) });
    const id = this.nextId++;
    this.turnList.push({ id, role: 'assistant', content: '', pending: true, ...(raw ? { raw } : {}) });
    return id;
  }

  append(id: number, text: string): void {
    this.update(id, (turn) => ({ ...turn, content: turn.content + text }));
  }

  finish(id: number, content: string, figures: AnswerFigures): void {
    this.update(id, (turn) => ({ id: turn.id, role: turn.role, content, figures, ...(turn.raw ? { raw: true } : {}) }));
  }

  /** The answer failed: its partial text is kept, the message shown; the user's question stays. */
  fail(id: number, message: string): void {
    this.update(id, (turn) => ({
      id: turn.id,
      role: turn.role,
      content: turn.content,
      error: message,
      ...(turn.raw ? { raw: true } : {}),
    }));
  }

  /** The answer's trace, once it was handed over to be logged. */
  setTraceId(id: number, traceId: string): void {
    this.update(id, (turn) => ({ ...turn, traceId }));
  }

  /** The trace ids of the answers, in order. */
  get traceIds(): string[] {
    return this.turnList.flatMap((turn) => (turn.traceId ? [turn.traceId] : []));
  }

  clear(): void {
    this.turnList = [];
  }

  /**
   * Starts the conversation over from a chat prompt's messages: each a turn as if it had been
   * said (an assistant message is an answer without figures, which the model is given as one).
   */
  seed(messages: readonly ChatMessage[]): void {
    this.turnList = messages
      .filter((message) => message.role !== 'system')
      .map((message) => ({ id: this.nextId++, role: message.role as 'user' | 'assistant', content: message.content }));
  }

  turn(id: number): Turn | undefined {
    return this.turnList.find((turn) => turn.id === id);
  }

  /**
   * What the model is asked to continue: the system prompt, then every user message and every
   * answer that completed (failed answers, the empty one being generated and raw-prompt turns,
   * which stand alone, are left out).
   */
  messagesForModel(): ChatMessage[] {
    const messages: ChatMessage[] = this.systemPrompt.trim() ? [{ role: 'system', content: this.systemPrompt }] : [];
    for (const turn of this.turnList) {
      if (turn.raw) continue;
      if (turn.role === 'user') messages.push({ role: 'user', content: turn.content });
      else if (!turn.pending && !turn.error) messages.push({ role: 'assistant', content: turn.content });
    }
    return messages;
  }

  private update(id: number, change: (turn: Turn) => Turn): void {
    const index = this.turnList.findIndex((turn) => turn.id === id);
    if (index >= 0) this.turnList[index] = change(this.turnList[index]!);
  }
}
