import type { BulkEvaluation, JudgeIdentity } from './bulkEvaluation';
import type { BulkRow } from './bulkResults';
import { createChatBackend, type ChatBackend, type ChatModelRef, type EndpointSecretReader } from './chatBackend';
import type { ChatViewState } from './chatProtocol';
import type { RunModel } from './chatRunRequest';
import { ChatSide } from './chatSide';
import type { ContextUsage } from './contextUsage';
import { Conversation } from './conversation';
import type { ChatSettings } from './generationSettings';
import type { SavedChat } from './chatSavedState';
import { ChatTracing } from './chatTracing';

/** A prompt version a chat was filled from. */
export interface ChatPromptLink {
  /** `prompts:/<name>/<version>`: the version itself, even when it was picked by alias. */
  readonly uri: string;
  /** The system prompt the version gave the chat. */
  readonly systemPrompt: string;
}

/** A bulk run in the panel: its prompts, the rows answered so far, and how to stop it. */
export interface BulkState {
  readonly file: string;
  readonly total: number;
  readonly problems: string;
  readonly models: readonly RunModel[];
  readonly titles: readonly string[];
  readonly settings: ChatSettings;
  /** The prompt version whose system prompt the prompts were sent with. */
  readonly promptUri?: string;
  readonly rows: BulkRow[];
  readonly controller: AbortController;
  running: boolean;
  cancelled: boolean;
  /** The judge model picked for scoring, if one was. */
  judge?: JudgeIdentity & { readonly ref: ChatModelRef };
  /** The scores, once scoring started (rows are added as they are scored). */
  evaluation?: BulkEvaluation;
  /** Scoring is under way; aborting stops it before the next judge question. */
  scoring?: AbortController;
}

/**
 * Everything one chat panel holds: its model (and the compared one) with their conversations, the
 * settings, the bulk run, and what the panel says. The panel's parts (conversation, compare, bulk
 * run, MLflow logging) change it; the page is drawn from it (chatViewBuilder.ts).
 */
export class ChatSession {
  readonly main: ChatSide;
  compare: ChatSide | undefined;
  settings: ChatSettings;
  /** The number of the last settings edit applied (src/chat/settingsEdit.ts), echoed in every state. */
  settingsRevision = 0;
  notice: ChatViewState['notice'];
  context: ContextUsage | undefined;
  rawMode: boolean;
  lastPrompt: string | undefined;
  bulk: BulkState | undefined;
  logging = false;
  /** The prompt version the chat was filled from (Use in Chat, Register Prompt…), and the system prompt it gave. */
  prompt: ChatPromptLink | undefined;

  constructor(
    readonly sessionId: string,
    saved: SavedChat,
    settingsOf: (backend: ChatBackend) => ChatSettings,
    readonly log: (line: string) => void,
    /** Whether and where the panel's answers are logged as MLflow traces. */
    readonly tracing: ChatTracing = new ChatTracing(undefined),
    /** Where a cloud endpoint's key or token is read (SecretStorage), for this chat's models and the compared one. */
    readonly secrets?: EndpointSecretReader,
  ) {
    this.main = new ChatSide(createChatBackend(saved.model, log, secrets), new Conversation(saved.conversation), log);
    if (saved.compare)
      this.compare = new ChatSide(createChatBackend(saved.compare.model, log, secrets), new Conversation(saved.compare.conversation), log);
    this.context = saved.context;
    this.rawMode = saved.rawMode ?? false;
    this.lastPrompt = saved.lastPrompt;
    this.prompt = saved.prompt;
    this.settings = settingsOf(this.main.backend);
  }

  /**
   * The `prompts:/<name>/<version>` URI of the prompt version the chat uses, for its logged runs and
   * traces: the one it was filled from, while the system prompt is still the one that version gave
   * (an edited system prompt is the user's own, no longer that version).
   */
  get promptUri(): string | undefined {
    return this.prompt && this.prompt.systemPrompt === this.conversation.systemPrompt ? this.prompt.uri : undefined;
  }

  get backend(): ChatBackend {
    return this.main.backend;
  }

  get conversation(): Conversation {
    return this.main.conversation;
  }

  /** Each side shown: the main one, and the compared one when there is one. */
  get sides(): ChatSide[] {
    return [this.main, ...(this.compare ? [this.compare] : [])];
  }

  get busy(): boolean {
    return (
      this.conversation.isGenerating ||
      (this.compare?.conversation.isGenerating ?? false) ||
      (this.bulk?.running ?? false) ||
      this.bulk?.scoring !== undefined
    );
  }

  dispose(): void {
    this.bulk?.controller.abort();
    this.bulk?.scoring?.abort();
    this.main.backend.dispose();
    this.compare?.backend.dispose();
  }
}
