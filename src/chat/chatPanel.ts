import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { displayName } from '../views/displayName';
import { WebviewHost, webviewOptions } from '../webview/webviewHost';
import { closeBulk, exportBulk, runBulkFile } from './chatBulkRun';
import { pickJudge, scoreBulk } from './chatBulkScoring';
import type { ChatModelRef } from './chatBackend';
import { closeCompare, openCompare } from './chatCompare';
import {
  clearConversation,
  copyTurn,
  editSettings,
  exportConversation,
  refreshContext,
  sendMessage,
  setSystemPrompt,
} from './chatConversation';
import { logBulk, logConversation, openTrace } from './chatMlflowLogging';
import { registerSystemPrompt } from './chatPromptUse';
import type { ChatPanelHost, ChatPanelParts } from './chatPanelParts';
import { parseViewMessage, type HostToView, type ViewToHost } from './chatProtocol';
import { pruneSavedChats, saveChat, savedChatOf, storedSettings, type SavedChat } from './chatSavedState';
import { ChatSession } from './chatSession';
import { ChatTracing } from './chatTracing';
import type { ChatSide } from './chatSide';
import { ChatViewBuilder } from './chatViewBuilder';
import { ChatViewSync } from './chatViewSync';
import type { ConversationSnapshot } from './conversation';
import { renderModelMarkdown } from './markdownRenderer';
import { RenderedAnswers } from './renderedAnswers';

export type { ChatPanelHost } from './chatPanelParts';

export const chatViewType = 'phi3Mlflow.chat';

/**
 * The chat webview: a thin layer that shows a chat session (one conversation, or two side by side
 * when comparing) and hands the user's actions to the panel's parts (chatConversation.ts,
 * chatCompare.ts, chatBulkRun.ts, chatMlflowLogging.ts). The session lives here, in the extension
 * host, and in workspaceState after every change; the page is sent what changed (chatViewSync.ts).
 */
export class ChatPanel extends WebviewHost<HostToView, ViewToHost> implements ChatPanelParts {
  readonly session: ChatSession;
  private readonly view = new ChatViewBuilder(new RenderedAnswers(renderModelMarkdown), renderModelMarkdown);
  private readonly sync = new ChatViewSync();
  private readonly focusWatch: vscode.Disposable;

  static create(host: ChatPanelHost, model: ChatModelRef): ChatPanel {
    const panel = vscode.window.createWebviewPanel(chatViewType, 'Chat', vscode.ViewColumn.Active, webviewOptions(host.extensionUri));
    return new ChatPanel(host, panel, randomUUID(), { model, conversation: { systemPrompt: '', turns: [] } });
  }

  /** Restores a panel VS Code kept across a reload; its webview state names the saved chat. */
  static restore(host: ChatPanelHost, panel: vscode.WebviewPanel, state: unknown): ChatPanel | undefined {
    const chat = savedChatOf(host.workspaceState, state);
    if (!chat) {
      panel.dispose();
      return undefined;
    }
    return new ChatPanel(host, panel, chat.id, chat.saved);
  }

  private constructor(
    readonly host: ChatPanelHost,
    panel: vscode.WebviewPanel,
    sessionId: string,
    saved: SavedChat,
  ) {
    super(panel, host.extensionUri, { page: 'chat', title: 'Chat' }, parseViewMessage);
    const tracing = new ChatTracing(host.traces, {
      onChange: () => this.show(),
      // Not blocking, not lost: the panel says so (the batcher's own log line has it too).
      onFailure: (message) => {
        if (this.disposed) return;
        this.session.notice = { kind: 'error', message };
        this.show();
      },
    });
    this.session = new ChatSession(
      sessionId,
      saved,
      (backend) => storedSettings(host.globalState, backend.ref),
      host.log,
      tracing,
      host.endpointSecrets,
    );
    host.openPanels.add(this);
    // The set keeps the panels in the order they were last focused: Use in Chat fills the last one.
    this.focusWatch = panel.onDidChangeViewState(({ webviewPanel }) => {
      if (!webviewPanel.active || this.disposed) return;
      host.openPanels.delete(this);
      host.openPanels.add(this);
    });
    this.retitle();
    this.save();
    pruneSavedChats(host.workspaceState, this.openSessions());
    void this.load();
  }

  get sessionId(): string {
    return this.session.sessionId;
  }

  get model(): ChatModelRef {
    return this.session.backend.ref;
  }

  get compareModel(): ChatModelRef | undefined {
    return this.session.compare?.backend.ref;
  }

  get snapshot(): ConversationSnapshot {
    return this.session.conversation.snapshot;
  }

  private openSessions(): ChatSession[] {
    return [...this.host.openPanels].map((panel) => panel.session);
  }

  retitle(): void {
    const session = this.session;
    this.panel.title = displayName(
      session.compare ? `Compare: ${session.backend.title} | ${session.compare.backend.title}` : `Chat: ${session.backend.title}`,
    );
  }

  async load(): Promise<boolean> {
    const sides = this.session.sides.filter((side: ChatSide) => side.status !== 'ready');
    for (const side of sides) side.status = 'loading';
    this.show();
    await Promise.all(sides.map((side) => side.load(() => this.disposed)));
    if (this.disposed) return false;
    await refreshContext(this);
    this.show();
    return this.session.main.status === 'ready';
  }

  protected async onMessage(message: ViewToHost): Promise<void> {
    switch (message.type) {
      case 'ready':
        // WebviewHost answers it with the full state.
        return;
      case 'send':
        return sendMessage(this, message.text);
      case 'stop':
        this.session.bulk?.controller.abort();
        this.session.bulk?.scoring?.abort();
        this.session.backend.stop();
        return this.session.compare?.backend.stop();
      case 'systemPrompt':
        return setSystemPrompt(this, message.text);
      case 'registerPrompt':
        return registerSystemPrompt(this);
      case 'settings':
        return editSettings(this, message);
      case 'rawMode':
        this.session.rawMode = message.on;
        this.save();
        return this.show();
      case 'clear':
        return clearConversation(this);
      case 'copy':
        return copyTurn(this, message.turnId, message.side);
      case 'export':
        return exportConversation(this, message.format);
      case 'retryLoad':
        await this.load();
        return;
      case 'logToMlflow':
        return logConversation(this);
      case 'compare':
        return openCompare(this);
      case 'closeCompare':
        return closeCompare(this);
      case 'bulkRun':
        return runBulkFile(this);
      case 'bulkExport':
        return exportBulk(this);
      case 'bulkLog':
        return logBulk(this);
      case 'bulkClose':
        return closeBulk(this);
      case 'bulkScore':
        return scoreBulk(this, message.choice);
      case 'bulkPickJudge':
        return pickJudge(this);
      case 'openTrace':
        return openTrace(this, message.traceId);
    }
  }

  // ---- The page ----

  protected override onPageLoaded(): void {
    // A new load of the page counts its settings edits from 0 again.
    this.session.settingsRevision = 0;
  }

  protected fullState(): HostToView {
    return this.sync.full(this.view.state(this.session));
  }

  protected coveredByFullState(message: HostToView): boolean {
    // A draft given back is not part of the state: the page puts it in the input box.
    return message.type !== 'restoreDraft';
  }

  show(): void {
    if (this.disposed) return;
    for (const message of this.sync.changes(this.view.state(this.session))) this.post(message);
  }

  streamed(side: 'main' | 'compare', turnId: number, text: string): void {
    this.post(this.sync.tokens(side, turnId, text));
  }

  restoreDraft(text: string): void {
    this.post({ type: 'restoreDraft', text });
  }

  save(): void {
    if (!this.disposed) saveChat(this.host.workspaceState, this.session);
  }

  override dispose(): void {
    if (this.disposed) return;
    this.host.openPanels.delete(this);
    this.focusWatch.dispose();
    this.session.dispose();
    super.dispose();
  }
}
