import { epochNowMs } from './answerTrace';
import type { ChatAnswer, ChatBackend, ChatInput } from './chatBackend';
import type { Conversation } from './conversation';
import type { ChatSettings } from './generationSettings';
import { errorMessage } from '../errorMessage';

export type SideStatus = 'loading' | 'ready' | 'failed';

/** How one answer went, for its trace: when it was asked for and ended (epoch ms), and the answer or the error. */
export interface SideAnswer {
  readonly startMs: number;
  readonly endMs: number;
  readonly answer?: ChatAnswer;
  readonly error?: unknown;
  /** The text shown: the answer, or what was streamed before it failed. */
  readonly text: string;
}

/**
 * One model of a chat panel and its conversation: the panel has one, or two side by side when
 * comparing. It loads the model and turns an answer (or its failure) into the conversation's turns.
 */
export class ChatSide {
  status: SideStatus = 'loading';
  problem: string | undefined;

  constructor(
    readonly backend: ChatBackend,
    readonly conversation: Conversation,
    private readonly log: (line: string) => void,
  ) {}

  /** Opens the model; true when it is ready. */
  async load(isDisposed: () => boolean): Promise<boolean> {
    this.status = 'loading';
    this.problem = undefined;
    try {
      await this.backend.open();
      if (isDisposed()) return false;
      this.status = 'ready';
    } catch (error) {
      if (isDisposed()) return false;
      this.status = 'failed';
      this.problem = errorMessage(error);
      this.log(`Chat: could not open ${this.backend.exported.location}: ${this.problem}`);
    }
    return this.status === 'ready';
  }

  /**
   * Generates the answer of turn `id` (already asked) into the conversation, streaming each piece
   * of text to `onPiece` as it comes. A failure becomes the turn's error; an engine that died
   * leaves the side 'failed', to be loaded again before the next message.
   */
  async answer(id: number, input: ChatInput, settings: ChatSettings, onPiece: (piece: string) => void): Promise<SideAnswer> {
    let startMs = epochNowMs();
    try {
      if (this.status !== 'ready' && !(await this.load(() => false))) throw new Error(this.problem ?? 'The model could not be loaded.');
      // The answer's time starts once the model is loaded: loading is not part of the request.
      startMs = epochNowMs();
      const answer = await this.backend.answer(input, settings, (piece) => {
        this.conversation.append(id, piece);
        onPiece(piece);
      });
      this.conversation.finish(id, answer.text, answer.figures);
      return { startMs, endMs: epochNowMs(), answer, text: answer.text };
    } catch (error) {
      const message = errorMessage(error);
      this.conversation.fail(id, message);
      if ((error as { kind?: string }).kind === 'worker-crashed') {
        this.status = 'failed';
        this.problem = message;
      }
      return { startMs, endMs: epochNowMs(), error, text: this.conversation.turn(id)?.content ?? '' };
    }
  }
}
