/**
 * Every message between the chat panel (extension host) and its webview (src/webview/chat/), in
 * one place; no vscode import, both sides build on it. The host owns the conversation. A page that
 * has just loaded gets the whole state; after that only what changed: the fields that did, an
 * answer's new tokens as they stream, a turn when it is added or finished, one bulk row at a time.
 * Assistant HTML arrives sanitized by markdownRenderer; streamed tokens are set as text.
 */
import type { ChatSettings } from './generationSettings';
import { parseSettingsEdit, type SettingsEdit } from './settingsEdit';

export interface ViewTurn {
  readonly id: number;
  readonly role: 'user' | 'assistant';
  /** User turns: the text as typed (the webview sets it as text, never as HTML). */
  readonly text: string;
  /** Assistant turns: sanitized HTML of the Markdown answer. */
  readonly html?: string;
  /** "12 tokens · 35 ms to first token · 140.2 tokens/s". */
  readonly figures?: string;
  readonly pending?: boolean;
  readonly error?: string;
  /** A raw-prompt turn (the webview highlights Phi-3's special tokens in it). */
  readonly raw?: boolean;
}

export interface ViewModel {
  readonly title: string;
  /** Folder path or URL and signature, shown under the title. */
  readonly detail: string;
  readonly status: 'loading' | 'ready' | 'failed';
  /** Set when status is failed: why, and the panel offers to try again. */
  readonly problem?: string;
}

export interface ChatViewState {
  /** Key of this chat in workspaceState; the webview keeps it in its own state for restore. */
  readonly sessionId: string;
  readonly model: ViewModel;
  readonly systemPrompt: string;
  readonly turns: readonly ViewTurn[];
  readonly settings: ChatSettings;
  /** The number of the last settings edit applied (src/chat/settingsEdit.ts): an older state never overwrites the form. */
  readonly settingsRevision: number;
  /** Why some settings do not apply (a served `{prompt}` model takes none). */
  readonly settingsNote?: string;
  readonly busy: boolean;
  /** Raw-prompt mode: the next message goes to the model exactly as typed. */
  readonly rawMode: boolean;
  /** Exactly what the model got for the last answer (after the Phi-3 chat template, or the request body). */
  readonly lastPrompt?: string;
  readonly context?: { readonly usedTokens: number; readonly contextLength: number; readonly problem?: string };
  /** A message for the whole panel (an invalid setting, a refused prompt, an export written). */
  readonly notice?: { readonly kind: 'error' | 'info'; readonly message: string };
  /** Compare: the second model, asked the same messages, in a column of its own. */
  readonly compare?: ViewCompare;
  /** The bulk run shown (running, or its results). */
  readonly bulk?: ViewBulk;
  /** Logging to MLflow is under way (its button is disabled). */
  readonly logging?: boolean;
  /** Scoring the bulk run: the judge picked, and the scores so far (present with `bulk`). */
  readonly scoring?: ViewScoring;
  /** The answers are logged as MLflow traces (or that was asked for and cannot be): the small indicator. */
  readonly tracing?: ViewTracing;
  /** The prompt version the chat uses (`prompts:/name/version`), shown by the system prompt. */
  readonly promptUri?: string;
}

/** One scorer's result for one answer. */
export interface ViewScore {
  readonly name: string;
  readonly outcome: 'pass' | 'fail' | 'skipped' | 'error';
  readonly rationale: string;
}

export interface ViewScoring {
  /** The judge model's title, once picked. */
  readonly judge?: string;
  readonly defaultRubric: string;
  readonly running: boolean;
  /** The scorers' names, in the order of each answer's scores. */
  readonly names: readonly string[];
  /** Row by row (as scored so far), model by model. */
  readonly scores: ReadonlyArray<ReadonlyArray<readonly ViewScore[]>>;
  /** Per scorer, each model's pass rate in words ("2 of 3 passed (67%)"). */
  readonly summary: ReadonlyArray<{ readonly name: string; readonly perModel: readonly string[] }>;
}

export interface ViewTracing {
  /** on: answers are traced; deciding: being asked or checked; unavailable: asked for, but nothing is sent. */
  readonly kind: 'on' | 'deciding' | 'unavailable';
  /** "Traced to experiment "chat"" or why not, as text. */
  readonly text: string;
}

export interface ViewCompare {
  readonly model: ViewModel;
  readonly turns: readonly ViewTurn[];
}

export interface ViewBulkAnswer {
  /** As plain text (the webview sets it as text). */
  readonly text: string;
  readonly figures?: string;
  readonly newTokens?: number;
  readonly latencyMs: number;
  readonly error?: string;
  /** The answer's MLflow trace (`tr-…`): the page shows it, and asks to open it. */
  readonly traceId?: string;
}

/** One prompt of a bulk run and each model's answer to it. */
export interface ViewBulkRow {
  readonly line: number;
  readonly prompt: string;
  readonly answers: readonly ViewBulkAnswer[];
}

export interface ViewBulk {
  /** The models' titles, one column group each. */
  readonly models: readonly string[];
  readonly file: string;
  readonly total: number;
  readonly running: boolean;
  readonly cancelled: boolean;
  readonly rows: readonly ViewBulkRow[];
  /** Lines of the file that were not prompts, by number. */
  readonly problems?: string;
}

/** The state's fields that may be absent: an update names those it removes (a message drops undefined). */
export type OptionalStateField = { [K in keyof ChatViewState]-?: undefined extends ChatViewState[K] ? K : never }[keyof ChatViewState];

export type HostToView =
  /** Everything, for a page that has just loaded. */
  | { readonly type: 'state'; readonly state: ChatViewState }
  /** Fields of the state that changed (turns and bulk rows mostly come one at a time instead). */
  | { readonly type: 'update'; readonly set: Partial<ChatViewState>; readonly unset: readonly OptionalStateField[] }
  /** A turn added to a column, or one that changed (an answer finished): by id. */
  | { readonly type: 'turn'; readonly turn: ViewTurn; readonly side?: 'compare' }
  /** The text generated since the last of these, for the answer being streamed. */
  | { readonly type: 'tokens'; readonly turnId: number; readonly text: string; readonly side?: 'compare' }
  /** A bulk row answered: the next row of the table. */
  | { readonly type: 'bulkRow'; readonly row: ViewBulkRow }
  /** The bulk run stopped or finished. */
  | { readonly type: 'bulkStatus'; readonly running: boolean; readonly cancelled: boolean }
  /** The message was not sent (it would not fit, or no model): put it back in the input box. */
  | { readonly type: 'restoreDraft'; readonly text: string };

export type ViewToHost =
  | { readonly type: 'ready' }
  | { readonly type: 'send'; readonly text: string }
  | { readonly type: 'stop' }
  | { readonly type: 'systemPrompt'; readonly text: string }
  /** Register the system prompt in MLflow's prompt registry. */
  | { readonly type: 'registerPrompt' }
  /** Only the fields the user changed, and the edit's number (src/chat/settingsEdit.ts). */
  | ({ readonly type: 'settings' } & SettingsEdit)
  | { readonly type: 'rawMode'; readonly on: boolean }
  | { readonly type: 'clear' }
  | { readonly type: 'copy'; readonly turnId: number; readonly side?: 'compare' }
  | { readonly type: 'export'; readonly format: 'markdown' | 'json' }
  | { readonly type: 'retryLoad' }
  | { readonly type: 'logToMlflow' }
  | { readonly type: 'compare' }
  | { readonly type: 'closeCompare' }
  | { readonly type: 'bulkRun' }
  | { readonly type: 'bulkExport' }
  | { readonly type: 'bulkLog' }
  | { readonly type: 'bulkClose' }
  /** Score the bulk run: the form's choice, checked on the host (src/evaluation/scoringChoice.ts). */
  | { readonly type: 'bulkScore'; readonly choice: unknown }
  | { readonly type: 'bulkPickJudge' }
  /** Open a bulk answer's trace in MLflow's web UI. */
  | { readonly type: 'openTrace'; readonly traceId: string };

const viewMessageTypes = new Set<ViewToHost['type']>([
  'ready',
  'send',
  'stop',
  'systemPrompt',
  'registerPrompt',
  'settings',
  'rawMode',
  'clear',
  'copy',
  'export',
  'retryLoad',
  'logToMlflow',
  'compare',
  'closeCompare',
  'bulkRun',
  'bulkExport',
  'bulkLog',
  'bulkClose',
  'bulkScore',
  'bulkPickJudge',
  'openTrace',
]);

/** A message from the webview, checked: anything malformed is dropped (the webview is not trusted with shapes). */
export function parseViewMessage(raw: unknown): ViewToHost | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const message = raw as Record<string, unknown>;
  if (!viewMessageTypes.has(message.type as ViewToHost['type'])) return undefined;
  switch (message.type) {
    case 'send':
    case 'systemPrompt':
      return typeof message.text === 'string' ? (message as unknown as ViewToHost) : undefined;
    case 'rawMode':
      return typeof message.on === 'boolean' ? (message as unknown as ViewToHost) : undefined;
    case 'copy':
      return typeof message.turnId === 'number' ? (message as unknown as ViewToHost) : undefined;
    case 'openTrace':
      return typeof message.traceId === 'string' && /^tr-[0-9a-f]{32}$/.test(message.traceId)
        ? (message as unknown as ViewToHost)
        : undefined;
    case 'settings': {
      const edit = parseSettingsEdit(message);
      return edit ? { type: 'settings', ...edit } : undefined;
    }
    case 'export':
      return message.format === 'markdown' || message.format === 'json' ? (message as unknown as ViewToHost) : undefined;
    default:
      return message as unknown as ViewToHost;
  }
}
