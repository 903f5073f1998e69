import { randomBytes, randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { createChatBackend, type ChatBackend, type ChatInput, type ChatModelRef } from './chatBackend';
import { parseViewMessage, type ChatViewState, type HostToView, type ViewToHost } from './chatProtocol';
import { contextUsage, type ContextUsage } from './contextUsage';
import { Conversation, type ConversationSnapshot } from './conversation';
import { conversationToJson, conversationToMarkdown, describeFigures } from './conversationExport';
import { checkChatSettings, defaultChatSettings, type ChatSettings } from './generationSettings';
import { renderModelMarkdown } from './markdownRenderer';

export const chatViewType = 'phi3Mlflow.chat';

/** What workspaceState keeps of a chat, so a reload restores it. */
interface SavedChat {
  readonly model: ChatModelRef;
  readonly conversation: ConversationSnapshot;
  readonly context?: ContextUsage;
  readonly rawMode?: boolean;
  readonly lastPrompt?: string;
}

export interface ChatPanelHost {
  readonly extensionUri: vscode.Uri;
  readonly workspaceState: vscode.Memento;
  readonly globalState: vscode.Memento;
  readonly log: (line: string) => void;
}

const sessionKey = (id: string) => `phi3Mlflow.chat.session.${id}`;
const settingsKey = (ref: ChatModelRef) => `phi3Mlflow.chat.settings.${ref.kind === 'local' ? ref.folder : ref.url}`;

/**
 * The chat webview: a thin layer that shows a Conversation and forwards the user's actions to a
 * ChatBackend. The conversation lives here, in the extension host, and in workspaceState after
 * every change; the webview only draws what it is sent.
 */
export class ChatPanel {
  private static readonly open = new Set<ChatPanel>();
  private readonly conversation: Conversation;
  private readonly backend: ChatBackend;
  private settings: ChatSettings;
  private status: ChatViewState['model']['status'] = 'loading';
  private problem: string | undefined;
  private notice: ChatViewState['notice'];
  private context: ContextUsage | undefined;
  private rawMode: boolean;
  private lastPrompt: string | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
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
    this.conversation = new Conversation(saved.conversation);
    this.context = saved.context;
    this.rawMode = saved.rawMode ?? false;
    this.lastPrompt = saved.lastPrompt;
    this.backend = createChatBackend(saved.model, host.log);
    this.settings = this.storedSettings();
    panel.title = `Chat: ${this.backend.title}`;
    panel.webview.html = this.html();
    panel.webview.onDidReceiveMessage((raw) => {
      const message = parseViewMessage(raw);
      if (message) void this.onMessage(message);
    });
    panel.onDidDispose(() => this.dispose());
    this.save();
    void this.load();
  }

  get model(): ChatModelRef {
    return this.backend.ref;
  }

  get snapshot(): ConversationSnapshot {
    return this.conversation.snapshot;
  }

  /** Opens the model; true when it is ready. */
  private async load(): Promise<boolean> {
    this.status = 'loading';
    this.problem = undefined;
    this.post();
    try {
      await this.backend.open();
      if (this.disposed) return false;
      this.status = 'ready';
      await this.refreshContext();
    } catch (error) {
      if (this.disposed) return false;
      this.status = 'failed';
      this.problem = messageOf(error);
      this.host.log(`Chat: could not open ${this.backend.exported.location}: ${this.problem}`);
    }
    this.post();
    return this.status === 'ready';
  }

  private async onMessage(message: ViewToHost): Promise<void> {
    switch (message.type) {
      case 'ready':
        return this.post();
      case 'send':
        return this.send(message.text);
      case 'stop':
        return this.backend.stop();
      case 'systemPrompt':
        this.conversation.systemPrompt = message.text;
        this.save();
        await this.refreshContext();
        return this.post();
      case 'settings':
        try {
          this.settings = checkChatSettings(message.settings);
          await this.host.globalState.update(settingsKey(this.backend.ref), this.settings);
          this.notice = undefined;
        } catch (error) {
          this.notice = { kind: 'error', message: messageOf(error) };
        }
        return this.post();
      case 'rawMode':
        this.rawMode = message.on;
        this.save();
        return this.post();
      case 'clear':
        if (this.conversation.isGenerating) return;
        this.conversation.clear();
        this.notice = undefined;
        this.lastPrompt = undefined;
        this.save();
        await this.refreshContext();
        return this.post();
      case 'copy': {
        const turn = this.conversation.turn(message.turnId);
        if (turn) await vscode.env.clipboard.writeText(turn.content);
        this.notice = { kind: 'info', message: 'Copied to the clipboard.' };
        return this.post();
      }
      case 'export':
        return this.export(message.format);
      case 'retryLoad':
        await this.load();
        return;
    }
  }

  private async send(text: string): Promise<void> {
    if (!text.trim() || this.conversation.isGenerating) return;
    if (this.status !== 'ready') {
      // A failed model gets another try first (an engine that crashed loads the model again).
      if (!(await this.load())) {
        this.postMessage({ type: 'restoreDraft', text });
        return;
      }
    }
    const raw = this.rawMode;
    const input: ChatInput = raw ? { prompt: text } : { messages: [...this.conversation.messagesForModel(), { role: 'user' as const, content: text }] };
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
    const id = this.conversation.ask(text, raw);
    this.lastPrompt = exactPrompt;
    this.save();
    this.post();
    try {
      const answer = await this.backend.answer(input, this.settings, (piece) => {
        this.conversation.append(id, piece);
        this.scheduleProgress(id);
      });
      this.conversation.finish(id, answer.text, answer.figures);
      const contextLength = this.backend.contextLength;
      if (contextLength !== undefined && answer.figures.promptTokens !== undefined) {
        this.context = contextUsage(answer.figures.promptTokens + (answer.figures.newTokens ?? 0), contextLength);
      }
    } catch (error) {
      // The message shows in place of the answer; the question stays, and the next send works again.
      const message = messageOf(error);
      this.conversation.fail(id, message);
      // The engine process died: the model must be loaded again before the next message.
      if ((error as { kind?: string }).kind === 'worker-crashed') {
        this.status = 'failed';
        this.problem = message;
      }
    }
    this.clearProgress();
    this.save();
    this.post();
  }

  private scheduleProgress(id: number): void {
    // Rendering the whole answer on every token would flood the webview: at most every 50 ms.
    if (this.progressTimer) return;
    this.progressTimer = setTimeout(() => {
      this.progressTimer = undefined;
      const turn = this.conversation.turn(id);
      if (turn?.pending) this.postMessage({ type: 'progress', turnId: id, html: renderModelMarkdown(turn.content) });
    }, 50);
  }

  private clearProgress(): void {
    if (this.progressTimer) clearTimeout(this.progressTimer);
    this.progressTimer = undefined;
  }

  private async refreshContext(): Promise<void> {
    if (this.status !== 'ready' || this.conversation.isGenerating) return;
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
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `chat-${input.exportedAt.slice(0, 19).replace(/[:T]/g, '-')}.${format === 'markdown' ? 'md' : 'json'}`;
    const target = await vscode.window.showSaveDialog({
      title: `Export the conversation as ${format === 'markdown' ? 'Markdown' : 'JSON'}`,
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}),
      filters: format === 'markdown' ? { Markdown: ['md'] } : { JSON: ['json'] },
    });
    if (!target) return;
    try {
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
      this.notice = { kind: 'info', message: `Exported to ${target.fsPath}.` };
    } catch (error) {
      this.notice = { kind: 'error', message: `Could not write ${target.fsPath}: ${messageOf(error)}` };
    }
    this.post();
  }

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
    };
    void this.host.workspaceState.update(sessionKey(this.sessionId), saved);
  }

  private viewState(): ChatViewState {
    const model = this.backend.ref;
    return {
      sessionId: this.sessionId,
      model: {
        title: this.backend.title,
        detail:
          model.kind === 'local'
            ? model.mlflow
              ? `MLflow model ${model.mlflow.resolvedUri} from ${model.mlflow.trackingUri}, downloaded to ${model.folder}`
              : `Local ONNX model: ${model.folder}`
            : `Served by MLflow: ${this.backend.exported.location} (${model.signature.kind})`,
        status: this.status,
        ...(this.problem ? { problem: this.problem } : {}),
      },
      systemPrompt: this.conversation.systemPrompt,
      turns: this.conversation.turns.map((turn) => ({
        id: turn.id,
        role: turn.role,
        text: turn.role === 'user' ? turn.content : '',
        ...(turn.role === 'assistant' ? { html: renderModelMarkdown(turn.content) } : {}),
        ...(turn.figures ? { figures: describeFigures(turn) } : {}),
        ...(turn.pending ? { pending: true } : {}),
        ...(turn.error ? { error: turn.error } : {}),
        ...(turn.raw ? { raw: true } : {}),
      })),
      settings: this.settings,
      ...(this.backend.settingsNote ? { settingsNote: this.backend.settingsNote } : {}),
      busy: this.conversation.isGenerating,
      rawMode: this.rawMode,
      ...(this.lastPrompt !== undefined ? { lastPrompt: this.lastPrompt } : {}),
      ...(this.context ? { context: this.context } : {}),
      ...(this.notice ? { notice: this.notice } : {}),
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
    this.backend.dispose();
    this.panel.dispose();
  }
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  // No retainContextWhenHidden: the conversation is kept here and sent again when the webview comes back.
  return { enableScripts: true, enableCommandUris: false, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media', 'chat')] };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
