import { randomBytes, randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import type { MlflowClient } from '../mlflow/client';
import type { Experiment } from '../mlflow/entities';
import { describeBulkProblems, parseBulkPrompts } from './bulkPrompts';
import { bulkResultsJsonl, bulkRunRequest, type BulkRow } from './bulkResults';
import { runBulk } from './bulkRunner';
import { createChatBackend, type ChatBackend, type ChatInput, type ChatModelRef } from './chatBackend';
import type { ChatMlflowAccess } from './chatMlflowAccess';
import { pickChatModel } from './chatModelPicker';
import { parseViewMessage, type ChatViewState, type HostToView, type ViewModel, type ViewTurn, type ViewToHost } from './chatProtocol';
import { logChatRun, type ChatRunPhase } from './chatRunLogger';
import { conversationRunRequest, type ChatRunRequest, type RunModel } from './chatRunRequest';
import { ChatSide } from './chatSide';
import { errorMessage as messageOf } from '../errorMessage';
import { contextUsage, type ContextUsage } from './contextUsage';
import { Conversation, type ConversationSnapshot } from './conversation';
import { conversationToJson, conversationToMarkdown, describeFigures } from './conversationExport';
import { checkChatSettings, defaultChatSettings, type ChatSettings } from './generationSettings';
import { renderModelMarkdown } from './markdownRenderer';
import { keysToDrop, savedChatsKept, savedSettingsKept } from './savedStatePruning';
import { RenderedAnswers } from './renderedAnswers';
import { applySettingsEdit } from './settingsEdit';
import { displayName } from '../views/displayName';

export const chatViewType = 'phi3Mlflow.chat';

/** What workspaceState keeps of a chat, so a reload restores it. */
interface SavedChat {
  readonly model: ChatModelRef;
  readonly conversation: ConversationSnapshot;
  readonly context?: ContextUsage;
  readonly rawMode?: boolean;
  readonly lastPrompt?: string;
  /** Compare: the second model and its side of the conversation. */
  readonly compare?: { readonly model: ChatModelRef; readonly conversation: ConversationSnapshot };
  /** When it was last saved (ms): the oldest chats beyond the last `savedChatsKept` are dropped. */
  readonly savedAt?: number;
}

export interface ChatPanelHost {
  readonly extensionUri: vscode.Uri;
  readonly workspaceState: vscode.Memento;
  readonly globalState: vscode.Memento;
  readonly log: (line: string) => void;
  /** The MLflow connection, for "Log to MLflow" (without it, the panel says logging is unavailable). */
  readonly mlflow?: ChatMlflowAccess;
}

const sessionPrefix = 'phi3Mlflow.chat.session.';
const settingsPrefix = 'phi3Mlflow.chat.settings.';
const sessionKey = (id: string) => `${sessionPrefix}${id}`;
const settingsKey = (ref: ChatModelRef) => `${settingsPrefix}${ref.kind === 'local' ? ref.folder : ref.url}`;

/** A bulk run in the panel: its prompts, the rows answered so far, and how to stop it. */
interface BulkState {
  readonly file: string;
  readonly total: number;
  readonly problems: string;
  readonly models: readonly RunModel[];
  readonly titles: readonly string[];
  readonly settings: ChatSettings;
  readonly rows: BulkRow[];
  readonly controller: AbortController;
  running: boolean;
  cancelled: boolean;
}

const phaseText: Record<ChatRunPhase, string> = {
  creating: 'creating the run…',
  logging: 'logging params and metrics…',
  uploading: 'uploading artifacts…',
  finishing: 'finishing the run…',
};

/**
 * The chat webview: a thin layer that shows a Conversation (two side by side when comparing) and
 * forwards the user's actions to the ChatBackends. The conversations live here, in the extension
 * host, and in workspaceState after every change; the webview only draws what it is sent.
 */
export class ChatPanel {
  private static readonly open = new Set<ChatPanel>();
  private readonly main: ChatSide;
  private compare: ChatSide | undefined;
  private settings: ChatSettings;
  /** The number of the last settings edit applied (src/chat/settingsEdit.ts), echoed in every state. */
  private settingsRevision = 0;
  private readonly renderedAnswers = new RenderedAnswers(renderModelMarkdown);
  private notice: ChatViewState['notice'];
  private context: ContextUsage | undefined;
  private rawMode: boolean;
  private lastPrompt: string | undefined;
  private bulk: BulkState | undefined;
  private logging = false;
  private readonly progressTimers = new Map<'main' | 'compare', NodeJS.Timeout>();
  private disposed = false;

  /** The open chat panels (for tests). */
  static get panels(): readonly ChatPanel[] {
    return [...ChatPanel.open];
  }

  static create(host: ChatPanelHost, model: ChatModelRef): ChatPanel {
    const panel = vscode.window.createWebviewPanel(chatViewType, 'Chat', vscode.ViewColumn.Active, webviewOptions(host.extensionUri));
    return new ChatPanel(host, panel, randomUUID(), { model, conversation: { systemPrompt: '', turns: [] } });
  }

  /** Restores a panel VS Code kept across a reload; its webview state names the saved chat. */
  static restore(host: ChatPanelHost, panel: vscode.WebviewPanel, state: unknown): ChatPanel | undefined {
    const id = typeof state === 'object' && state !== null ? (state as { sessionId?: unknown }).sessionId : undefined;
    const saved = typeof id === 'string' ? host.workspaceState.get<SavedChat>(sessionKey(id)) : undefined;
    if (typeof id !== 'string' || !saved) {
      panel.dispose();
      return undefined;
    }
    panel.webview.options = webviewOptions(host.extensionUri);
    return new ChatPanel(host, panel, id, saved);
  }

  private constructor(
    private readonly host: ChatPanelHost,
    private readonly panel: vscode.WebviewPanel,
    readonly sessionId: string,
    saved: SavedChat,
  ) {
    ChatPanel.open.add(this);
    this.main = new ChatSide(createChatBackend(saved.model, host.log), new Conversation(saved.conversation), host.log);
    if (saved.compare) this.compare = new ChatSide(createChatBackend(saved.compare.model, host.log), new Conversation(saved.compare.conversation), host.log);
    this.context = saved.context;
    this.rawMode = saved.rawMode ?? false;
    this.lastPrompt = saved.lastPrompt;
    this.settings = this.storedSettings();
    panel.title = this.title();
    panel.webview.html = this.html();
    panel.webview.onDidReceiveMessage((raw) => {
      const message = parseViewMessage(raw);
      if (message) void this.onMessage(message);
    });
    panel.onDidDispose(() => this.dispose());
    this.save();
    this.pruneSavedChats();
    void this.load();
  }

  private get backend(): ChatBackend {
    return this.main.backend;
  }

  private get conversation(): Conversation {
    return this.main.conversation;
  }

  get model(): ChatModelRef {
    return this.backend.ref;
  }

  get compareModel(): ChatModelRef | undefined {
    return this.compare?.backend.ref;
  }

  get snapshot(): ConversationSnapshot {
    return this.conversation.snapshot;
  }

  private get busy(): boolean {
    return this.conversation.isGenerating || (this.compare?.conversation.isGenerating ?? false) || (this.bulk?.running ?? false);
  }

  private title(): string {
    return displayName(this.compare ? `Compare: ${this.backend.title} | ${this.compare.backend.title}` : `Chat: ${this.backend.title}`);
  }

  /** Opens the models (each side that is not ready); true when the main one is ready. */
  private async load(): Promise<boolean> {
    const sides = [this.main, this.compare].filter((side): side is ChatSide => side !== undefined && side.status !== 'ready');
    for (const side of sides) side.status = 'loading';
    this.post();
    await Promise.all(sides.map((side) => side.load(() => this.disposed)));
    if (this.disposed) return false;
    await this.refreshContext();
    this.post();
    return this.main.status === 'ready';
  }

  private async onMessage(message: ViewToHost): Promise<void> {
    switch (message.type) {
      case 'ready':
        // A new load of the page counts its settings edits from 0 again.
        this.settingsRevision = 0;
        return this.post();
      case 'send':
        return this.send(message.text);
      case 'stop':
        this.bulk?.controller.abort();
        this.backend.stop();
        return this.compare?.backend.stop();
      case 'systemPrompt':
        this.conversation.systemPrompt = message.text;
        if (this.compare) this.compare.conversation.systemPrompt = message.text;
        this.save();
        await this.refreshContext();
        return this.post();
      case 'settings':
        try {
          // Applied before anything awaits, so a send or bulk run that follows this message uses it.
          this.settings = applySettingsEdit(this.settings, message);
          this.settingsRevision = message.revision;
          this.notice = undefined;
          this.post();
          await this.host.globalState.update(settingsKey(this.backend.ref), { ...this.settings, savedAt: Date.now() });
          this.pruneSavedSettings();
        } catch (error) {
          // Not acknowledged: the form keeps what the user typed, beside the message saying why it is not used.
          this.notice = { kind: 'error', message: messageOf(error) };
          this.post();
        }
        return;
      case 'rawMode':
        this.rawMode = message.on;
        this.save();
        return this.post();
      case 'clear':
        if (this.busy) return;
        this.conversation.clear();
        this.compare?.conversation.clear();
        this.notice = undefined;
        this.lastPrompt = undefined;
        this.save();
        await this.refreshContext();
        return this.post();
      case 'copy': {
        const turn = (message.side === 'compare' ? this.compare?.conversation : this.conversation)?.turn(message.turnId);
        if (turn) await vscode.env.clipboard.writeText(turn.content);
        this.notice = { kind: 'info', message: 'Copied to the clipboard.' };
        return this.post();
      }
      case 'export':
        return this.export(message.format);
      case 'retryLoad':
        await this.load();
        return;
      case 'logToMlflow':
        return this.logConversation();
      case 'compare':
        return this.openCompare();
      case 'closeCompare':
        return this.closeCompare();
      case 'bulkRun':
        return this.runBulkFile();
      case 'bulkExport':
        return this.exportBulk();
      case 'bulkLog':
        return this.logBulk();
      case 'bulkClose':
        if (this.bulk?.running) return;
        this.bulk = undefined;
        return this.post();
    }
  }

  private async send(text: string): Promise<void> {
    if (!text.trim() || this.busy) return;
    if (this.main.status !== 'ready') {
      // A failed model gets another try first (an engine that crashed loads the model again).
      if (!(await this.load())) {
        this.postMessage({ type: 'restoreDraft', text });
        return;
      }
    }
    const raw = this.rawMode;
    const inputOf = (conversation: Conversation): ChatInput => (raw ? { prompt: text } : { messages: [...conversation.messagesForModel(), { role: 'user' as const, content: text }] });
    const input = inputOf(this.conversation);
    let exactPrompt: string;
    try {
      exactPrompt = this.backend.exactPrompt(input);
    } catch (error) {
      // A raw prompt for a model that takes only messages.
      this.notice = { kind: 'error', message: messageOf(error) };
      this.post();
      this.postMessage({ type: 'restoreDraft', text });
      return;
    }
    try {
      const tokens = await this.backend.countTokens(input);
      const contextLength = this.backend.contextLength;
      if (tokens !== undefined && contextLength !== undefined) {
        this.context = contextUsage(tokens, contextLength);
        if (this.context.problem) {
          this.notice = { kind: 'error', message: this.context.problem };
          this.post();
          this.postMessage({ type: 'restoreDraft', text });
          return;
        }
      }
    } catch (error) {
      this.host.log(`Chat: counting tokens failed: ${messageOf(error)}`);
    }
    this.notice = undefined;
    const compare = this.compare;
    const compareInput = compare ? inputOf(compare.conversation) : undefined;
    const id = this.conversation.ask(text, raw);
    const compareId = compare?.conversation.ask(text, raw);
    this.lastPrompt = exactPrompt;
    this.save();
    this.post();
    // Both models at once, each streaming into its own column.
    await Promise.all([
      this.main.answer(id, input, this.settings, () => this.scheduleProgress('main', id)),
      compare && compareId !== undefined && compareInput ? compare.answer(compareId, compareInput, this.settings, () => this.scheduleProgress('compare', compareId)) : undefined,
    ]);
    const figures = this.conversation.turn(id)?.figures;
    const contextLength = this.backend.contextLength;
    if (contextLength !== undefined && figures?.promptTokens !== undefined) {
      this.context = contextUsage(figures.promptTokens + (figures.newTokens ?? 0), contextLength);
    }
    this.clearProgress();
    this.save();
    this.post();
  }

  private scheduleProgress(side: 'main' | 'compare', id: number): void {
    // Rendering the whole answer on every token would flood the webview: at most every 50 ms.
    if (this.progressTimers.has(side)) return;
    this.progressTimers.set(
      side,
      setTimeout(() => {
        this.progressTimers.delete(side);
        const turn = (side === 'main' ? this.main : this.compare)?.conversation.turn(id);
        if (turn?.pending) this.postMessage({ type: 'progress', turnId: id, html: renderModelMarkdown(turn.content), ...(side === 'compare' ? { side } : {}) });
      }, 50),
    );
  }

  private clearProgress(): void {
    for (const timer of this.progressTimers.values()) clearTimeout(timer);
    this.progressTimers.clear();
  }

  private async refreshContext(): Promise<void> {
    if (this.main.status !== 'ready' || this.conversation.isGenerating) return;
    try {
      const tokens = await this.backend.countTokens({ messages: this.conversation.messagesForModel() });
      const contextLength = this.backend.contextLength;
      this.context = tokens !== undefined && contextLength !== undefined ? contextUsage(tokens, contextLength) : undefined;
      this.save();
    } catch (error) {
      this.host.log(`Chat: counting tokens failed: ${messageOf(error)}`);
    }
  }

  private async export(format: 'markdown' | 'json'): Promise<void> {
    const input = { model: this.backend.exported, settings: this.settings, conversation: this.conversation.snapshot, exportedAt: new Date().toISOString() };
    const text = format === 'markdown' ? conversationToMarkdown(input) : conversationToJson(input);
    const name = `chat-${input.exportedAt.slice(0, 19).replace(/[:T]/g, '-')}.${format === 'markdown' ? 'md' : 'json'}`;
    await this.saveFile(text, name, `Export the conversation as ${format === 'markdown' ? 'Markdown' : 'JSON'}`, format === 'markdown' ? { Markdown: ['md'] } : { JSON: ['json'] });
  }

  /** Asks where to save `text` (proposing `name` in the workspace) and writes it; the notice says where. */
  private async saveFile(text: string, name: string, title: string, filters: Record<string, string[]>): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({ title, ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}), filters });
    if (!target) return;
    try {
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
      this.notice = { kind: 'info', message: `Exported to ${target.fsPath}.` };
    } catch (error) {
      this.notice = { kind: 'error', message: `Could not write ${target.fsPath}: ${messageOf(error)}` };
    }
    this.post();
  }

  // ---- Log to MLflow ----

  /** The model as a logged run names it: with the MLflow URI it was opened from, when it was. */
  private runModelOf(backend: ChatBackend): RunModel {
    const origin = backend.ref.kind === 'local' ? backend.ref.mlflow : undefined;
    return { ...backend.exported, ...(origin ? { mlflowUri: origin.requestedUri } : {}) };
  }

  private async logConversation(): Promise<void> {
    if (this.busy || this.logging) return;
    if (this.conversation.turns.length === 0) {
      this.notice = { kind: 'error', message: 'Nothing to log yet: send a message first.' };
      return this.post();
    }
    const compare = this.compare;
    const request = () =>
      conversationRunRequest({
        model: this.runModelOf(this.backend),
        settings: this.settings,
        conversation: this.conversation.snapshot,
        loggedAt: new Date(),
        ...(compare ? { compare: { model: this.runModelOf(compare.backend), conversation: compare.conversation.snapshot } } : {}),
      });
    await this.logRun(compare ? 'comparison' : 'conversation', request);
  }

  private async logBulk(): Promise<void> {
    const bulk = this.bulk;
    if (!bulk || bulk.running || this.logging) return;
    await this.logRun('bulk run', () => bulkRunRequest({ models: bulk.models, settings: bulk.settings, rows: bulk.rows, loggedAt: new Date() }));
  }

  /**
   * Asks for the experiment, then logs the run with progress (and Cancel) in a notification. The
   * panel keeps everything whatever happens; success offers to show the run.
   */
  private async logRun(what: string, makeRequest: () => ChatRunRequest): Promise<void> {
    const access = this.host.mlflow;
    let client: MlflowClient;
    try {
      if (!access) throw new Error('Logging to MLflow is not available here.');
      client = access.client();
    } catch (error) {
      this.notice = { kind: 'error', message: messageOf(error) };
      return this.post();
    }
    this.logging = true;
    this.post();
    try {
      const experiment = await pickExperiment(client, what);
      if (!experiment) return;
      const request = makeRequest();
      const logged = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Logging the ${what} to MLflow`, cancellable: true }, (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort(new Error('cancelled')));
        return logChatRun(client, experiment.experimentId, request, { signal: controller.signal, onPhase: (phase) => progress.report({ message: phaseText[phase] }) });
      });
      this.notice = { kind: 'info', message: `Logged the ${what} to MLflow: run "${logged.runName}" (${logged.runId}) in experiment "${experiment.name}".` };
      this.post();
      void this.offerRun(access!, logged.experimentId, logged.runId, logged.runName);
    } catch (error) {
      this.host.log(`Chat: logging the ${what} to MLflow failed: ${messageOf(error)}`);
      this.notice = { kind: 'error', message: messageOf(error) };
    } finally {
      this.logging = false;
      this.post();
    }
  }

  private async offerRun(access: ChatMlflowAccess, experimentId: string, runId: string, runName: string): Promise<void> {
    const reveal = 'Reveal in MLflow Explorer';
    const open = 'Open in MLflow UI';
    const answer = await vscode.window.showInformationMessage(`Logged run "${displayName(runName)}" to MLflow.`, reveal, open);
    if (answer === reveal) {
      try {
        if (!(await access.revealRun(experimentId, runId))) void vscode.window.showWarningMessage(`Run ${runId} is not listed in the Experiments view (a filter, or more runs than one page?).`);
      } catch (error) {
        void vscode.window.showErrorMessage(`Could not show run ${runId} in the Experiments view: ${messageOf(error)}`);
      }
    }
    const url = access.runUrl(experimentId, runId);
    if (answer === open && url) await vscode.env.openExternal(vscode.Uri.parse(url, true));
  }

  // ---- Compare ----

  private async openCompare(): Promise<void> {
    if (this.busy) return;
    let ref: ChatModelRef | undefined;
    try {
      ref = await pickChatModel({ title: 'Compare with: the second model' });
    } catch (error) {
      this.notice = { kind: 'error', message: messageOf(error) };
      return this.post();
    }
    if (!ref || this.disposed) return;
    this.compare?.backend.dispose();
    this.compare = new ChatSide(createChatBackend(ref, this.host.log), new Conversation({ systemPrompt: this.conversation.systemPrompt, turns: [] }), this.host.log);
    this.panel.title = this.title();
    this.notice = undefined;
    this.save();
    await this.load();
  }

  private closeCompare(): void {
    if (this.busy || !this.compare) return;
    this.compare.backend.dispose();
    this.compare = undefined;
    this.panel.title = this.title();
    this.save();
    this.post();
  }

  // ---- Bulk run ----

  private async runBulkFile(): Promise<void> {
    if (this.busy) return;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const picked = await vscode.window.showOpenDialog({
      title: 'Bulk run: a JSONL file of prompts ({"prompt": ...} or {"messages": [...]} a line)',
      canSelectFiles: true,
      canSelectFolders: false,
      canSelectMany: false,
      openLabel: 'Run the Prompts',
      filters: { 'JSON Lines': ['jsonl', 'ndjson', 'json'], 'All files': ['*'] },
      ...(folder ? { defaultUri: folder } : {}),
    });
    const file = picked?.[0];
    if (!file || this.busy) return;
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
    } catch (error) {
      this.notice = { kind: 'error', message: `Could not read ${file.fsPath}: ${messageOf(error)}` };
      return this.post();
    }
    const { prompts, problems } = parseBulkPrompts(text, this.conversation.systemPrompt);
    const problemText = problems.length ? `Left out ${problems.length === 1 ? 'one line' : `${problems.length} lines`}: ${describeBulkProblems(problems)}.` : '';
    if (prompts.length === 0) {
      this.notice = { kind: 'error', message: `No prompts in ${file.fsPath}${problemText ? `. ${problemText}` : ': the file is empty.'}` };
      return this.post();
    }
    if (this.main.status !== 'ready' || (this.compare && this.compare.status !== 'ready')) {
      await this.load();
      const failed = [this.main, this.compare].find((side) => side && side.status !== 'ready');
      if (failed) {
        this.notice = { kind: 'error', message: `The bulk run needs ${failed.backend.title}, which could not be loaded: ${failed.problem ?? 'unknown error'}` };
        return this.post();
      }
    }
    const sides = [this.main, ...(this.compare ? [this.compare] : [])];
    const bulk: BulkState = {
      file: file.fsPath,
      total: prompts.length,
      problems: problemText,
      models: sides.map((side) => this.runModelOf(side.backend)),
      titles: sides.map((side) => side.backend.title),
      settings: this.settings,
      rows: [],
      controller: new AbortController(),
      running: true,
      cancelled: false,
    };
    this.bulk = bulk;
    this.notice = undefined;
    this.post();
    const outcome = await runBulk(prompts, sides.map((side) => side.backend), bulk.settings, {
      signal: bulk.controller.signal,
      onRow: (row) => {
        bulk.rows.push(row);
        this.post();
      },
    });
    bulk.running = false;
    bulk.cancelled = outcome.cancelled;
    this.post();
  }

  private async exportBulk(): Promise<void> {
    const bulk = this.bulk;
    if (!bulk || bulk.running) return;
    const name = `bulk-results-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.jsonl`;
    await this.saveFile(bulkResultsJsonl(bulk.models.length, bulk.rows), name, 'Export the bulk results as JSONL', { 'JSON Lines': ['jsonl'] });
  }

  // ---- Saved state ----

  private storedSettings(): ChatSettings {
    try {
      return checkChatSettings({ ...defaultChatSettings, ...this.host.globalState.get<Partial<ChatSettings>>(settingsKey(this.backend.ref)) });
    } catch {
      return defaultChatSettings;
    }
  }

  private save(): void {
    if (this.disposed) return;
    const saved: SavedChat = {
      model: this.backend.ref,
      conversation: this.conversation.snapshot,
      rawMode: this.rawMode,
      ...(this.context ? { context: this.context } : {}),
      ...(this.lastPrompt !== undefined ? { lastPrompt: this.lastPrompt } : {}),
      ...(this.compare ? { compare: { model: this.compare.backend.ref, conversation: this.compare.conversation.snapshot } } : {}),
      savedAt: Date.now(),
    };
    void this.host.workspaceState.update(sessionKey(this.sessionId), saved);
  }

  /** Saved chats are kept for the last `savedChatsKept` panels; the open ones always. */
  private pruneSavedChats(): void {
    const state = this.host.workspaceState;
    const open = new Set([...ChatPanel.open].map((panel) => sessionKey(panel.sessionId)));
    const entries = state
      .keys()
      .filter((key) => key.startsWith(sessionPrefix))
      .map((key) => ({ key, savedAt: state.get<SavedChat>(key)?.savedAt, inUse: open.has(key) }));
    for (const key of keysToDrop(entries, savedChatsKept)) void state.update(key, undefined);
  }

  /** Settings are remembered for the last `savedSettingsKept` models; those of open panels always. */
  private pruneSavedSettings(): void {
    const state = this.host.globalState;
    const open = new Set([...ChatPanel.open].flatMap((panel) => [settingsKey(panel.model), ...(panel.compareModel ? [settingsKey(panel.compareModel)] : [])]));
    const entries = state
      .keys()
      .filter((key) => key.startsWith(settingsPrefix))
      .map((key) => ({ key, savedAt: state.get<{ savedAt?: number }>(key)?.savedAt, inUse: open.has(key) }));
    for (const key of keysToDrop(entries, savedSettingsKept)) void state.update(key, undefined);
  }

  // ---- The view ----

  /** The model as the page shows it: names from the server with their bidirectional controls visible (displayName.ts). */
  private viewModel(side: ChatSide): ViewModel {
    const model = side.backend.ref;
    return {
      title: displayName(side.backend.title),
      detail: displayName(
        model.kind === 'local'
          ? model.mlflow
            ? `MLflow model ${model.mlflow.resolvedUri} from ${model.mlflow.trackingUri}, downloaded to ${model.folder}`
            : `Local ONNX model: ${model.folder}`
          : `Served by MLflow: ${side.backend.exported.location} (${model.signature.kind})`,
      ),
      status: side.status,
      ...(side.problem ? { problem: displayName(side.problem) } : {}),
    };
  }

  private viewState(): ChatViewState {
    const bulk = this.bulk;
    return {
      sessionId: this.sessionId,
      model: this.viewModel(this.main),
      systemPrompt: this.conversation.systemPrompt,
      turns: viewTurns(this.conversation, this.renderedAnswers),
      settings: this.settings,
      settingsRevision: this.settingsRevision,
      ...(this.backend.settingsNote ? { settingsNote: this.backend.settingsNote } : {}),
      busy: this.busy,
      rawMode: this.rawMode,
      ...(this.lastPrompt !== undefined ? { lastPrompt: this.lastPrompt } : {}),
      ...(this.context ? { context: this.context } : {}),
      ...(this.notice ? { notice: { ...this.notice, message: displayName(this.notice.message) } } : {}),
      ...(this.compare ? { compare: { model: this.viewModel(this.compare), turns: viewTurns(this.compare.conversation, this.renderedAnswers) } } : {}),
      ...(bulk
        ? {
            bulk: {
              models: bulk.titles.map((title) => displayName(title)),
              file: bulk.file,
              total: bulk.total,
              running: bulk.running,
              cancelled: bulk.cancelled,
              rows: bulk.rows.map((row) => ({
                line: row.prompt.line,
                prompt: row.prompt.prompt,
                answers: row.answers.map((answer) => ({
                  text: answer.text,
                  latencyMs: Math.round(answer.latencyMs),
                  ...(answer.figures ? { figures: describeFigures(answer) } : {}),
                  ...(answer.figures?.newTokens !== undefined ? { newTokens: answer.figures.newTokens } : {}),
                  ...(answer.error ? { error: answer.error } : {}),
                })),
              })),
              ...(bulk.problems ? { problems: bulk.problems } : {}),
            },
          }
        : {}),
      ...(this.logging ? { logging: true } : {}),
    };
  }

  private post(): void {
    this.postMessage({ type: 'state', state: this.viewState() });
  }

  private postMessage(message: HostToView): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const media = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(this.host.extensionUri, 'media', 'chat', file));
    // Nothing remote, no inline script or style: the page's own script by nonce, its stylesheet from the extension.
    const csp = [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src ${webview.cspSource}`, `img-src ${webview.cspSource}`, `font-src ${webview.cspSource}`].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${media('chat.css').toString()}">
<title>Chat</title>
</head>
<body>
<script nonce="${nonce}" src="${media('chat.js').toString()}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clearProgress();
    ChatPanel.open.delete(this);
    this.bulk?.controller.abort();
    this.backend.dispose();
    this.compare?.backend.dispose();
    this.panel.dispose();
  }
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  // No retainContextWhenHidden: the conversation is kept here and sent again when the webview comes back.
  return { enableScripts: true, enableCommandUris: false, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media', 'chat')] };
}

function viewTurns(conversation: Conversation, rendered: RenderedAnswers): ViewTurn[] {
  return conversation.turns.map((turn) => ({
    id: turn.id,
    role: turn.role,
    text: turn.role === 'user' ? turn.content : '',
    ...(turn.role === 'assistant' ? { html: rendered.htmlOf(turn.content) } : {}),
    ...(turn.figures ? { figures: describeFigures(turn) } : {}),
    ...(turn.pending ? { pending: true } : {}),
    ...(turn.error ? { error: turn.error } : {}),
    ...(turn.raw ? { raw: true } : {}),
  }));
}

/**
 * The experiment to log to: those of the active connection, most recently updated first, or a
 * new one (an existing name is used as it is).
 */
async function pickExperiment(client: MlflowClient, what: string): Promise<Experiment | undefined> {
  type Item = vscode.QuickPickItem & { experiment?: Experiment };
  const items = client.experiments.searchPage({ orderBy: ['last_update_time DESC'], maxResults: 500 }).then((page): Item[] => [
    { label: '$(add) New Experiment…' },
    ...page.items.map((experiment) => ({ label: displayName(experiment.name), description: `ID ${experiment.experimentId}`, experiment })),
  ]);
  const picked = await vscode.window.showQuickPick(items, { title: `Log the ${what} to MLflow: the experiment`, placeHolder: 'An experiment on the connected server, or a new one', matchOnDescription: true });
  if (!picked) return undefined;
  if (picked.experiment) return picked.experiment;
  const name = await vscode.window.showInputBox({
    title: `Log the ${what} to MLflow: a new experiment`,
    prompt: 'The new experiment\'s name',
    validateInput: (value) => (value.trim() ? undefined : 'Give the experiment a name.'),
  });
  if (!name?.trim()) return undefined;
  const existing = await client.experiments.getByName(name.trim());
  if (existing) return existing;
  return client.experiments.get(await client.experiments.create(name.trim()));
}
