import * as vscode from 'vscode';
import type { ChatInput } from './chatBackend';
import { saveTextFile } from './chatFileSave';
import { sideAnsweredRequest } from './answerTrace';
import type { ChatPanelParts } from './chatPanelParts';
import { saveSettings, pruneSavedSettings } from './chatSavedState';
import type { ChatSide, SideAnswer } from './chatSide';
import type { ChatSettings } from './generationSettings';
import { errorMessage } from '../errorMessage';
import { contextUsage } from './contextUsage';
import type { Conversation } from './conversation';
import { conversationToJson, conversationToMarkdown } from './conversationExport';
import { applySettingsEdit, type SettingsEdit } from './settingsEdit';

/**
 * The conversation's part of the chat panel: sending a message (to both models when comparing),
 * the context bar, the system prompt and settings, clear, copy and export.
 */
export async function sendMessage(parts: ChatPanelParts, text: string): Promise<void> {
  const session = parts.session;
  if (!text.trim() || session.busy) return;
  if (session.main.status !== 'ready') {
    // A failed model gets another try first (an engine that crashed loads the model again).
    if (!(await parts.load())) {
      parts.restoreDraft(text);
      return;
    }
  }
  const raw = session.rawMode;
  const inputOf = (conversation: Conversation): ChatInput =>
    raw ? { prompt: text } : { messages: [...conversation.messagesForModel(), { role: 'user' as const, content: text }] };
  const input = inputOf(session.conversation);
  let exactPrompt: string;
  try {
    exactPrompt = session.backend.exactPrompt(input);
  } catch (error) {
    // A raw prompt for a model that takes only messages.
    session.notice = { kind: 'error', message: errorMessage(error) };
    parts.show();
    parts.restoreDraft(text);
    return;
  }
  try {
    const tokens = await session.backend.countTokens(input);
    const contextLength = session.backend.contextLength;
    if (tokens !== undefined && contextLength !== undefined) {
      session.context = contextUsage(tokens, contextLength);
      if (session.context.problem) {
        session.notice = { kind: 'error', message: session.context.problem };
        parts.show();
        parts.restoreDraft(text);
        return;
      }
    }
  } catch (error) {
    session.log(`Chat: counting tokens failed: ${errorMessage(error)}`);
  }
  session.notice = undefined;
  const compare = session.compare;
  const compareInput = compare ? inputOf(compare.conversation) : undefined;
  const id = session.conversation.ask(text, raw);
  const compareId = compare?.conversation.ask(text, raw);
  session.lastPrompt = exactPrompt;
  // Whether the answers are traced is decided beside them, never before them (mode "ask" asks once a panel).
  void session.tracing.decide();
  parts.save();
  parts.show();
  const settings = session.settings;
  // Both models at once, each streaming into its own column.
  const [mainAnswer, compareAnswer] = await Promise.all([
    session.main.answer(id, input, settings, (piece) => parts.streamed('main', id, piece)),
    compare && compareId !== undefined && compareInput
      ? compare.answer(compareId, compareInput, settings, (piece) => parts.streamed('compare', compareId, piece))
      : undefined,
  ]);
  traceAnswer(parts, session.main, id, input, settings, mainAnswer, compare ? 'compare' : 'chat');
  if (compare && compareId !== undefined && compareInput && compareAnswer)
    traceAnswer(parts, compare, compareId, compareInput, settings, compareAnswer, 'compare');
  const figures = session.conversation.turn(id)?.figures;
  const contextLength = session.backend.contextLength;
  if (contextLength !== undefined && figures?.promptTokens !== undefined) {
    session.context = contextUsage(figures.promptTokens + (figures.newTokens ?? 0), contextLength);
  }
  parts.save();
  parts.show();
}

/**
 * Hands the answer's trace over once the panel's tracing is decided, in the background: the chat
 * goes on meanwhile. The turn keeps the trace id, to link it to the run the chat may be logged as.
 */
function traceAnswer(
  parts: ChatPanelParts,
  side: ChatSide,
  turnId: number,
  input: ChatInput,
  settings: ChatSettings,
  answered: SideAnswer,
  kind: 'chat' | 'compare',
): void {
  const promptVersion = parts.session.promptUri;
  const request = { ...sideAnsweredRequest(side.backend, input, settings, answered, kind), ...(promptVersion ? { promptVersion } : {}) };
  void parts.session.tracing.recordWhenDecided(request).then((traceId) => {
    if (!traceId || parts.disposed) return;
    side.conversation.setTraceId(turnId, traceId);
    parts.save();
  });
}

/** The context bar: the conversation's tokens of the model's context (when the model can count them). */
export async function refreshContext(parts: ChatPanelParts): Promise<void> {
  const session = parts.session;
  if (session.main.status !== 'ready' || session.conversation.isGenerating) return;
  try {
    const tokens = await session.backend.countTokens({ messages: session.conversation.messagesForModel() });
    const contextLength = session.backend.contextLength;
    session.context = tokens !== undefined && contextLength !== undefined ? contextUsage(tokens, contextLength) : undefined;
    parts.save();
  } catch (error) {
    session.log(`Chat: counting tokens failed: ${errorMessage(error)}`);
  }
}

export async function setSystemPrompt(parts: ChatPanelParts, text: string): Promise<void> {
  const session = parts.session;
  session.conversation.systemPrompt = text;
  if (session.compare) session.compare.conversation.systemPrompt = text;
  parts.save();
  await refreshContext(parts);
  parts.show();
}

export async function editSettings(parts: ChatPanelParts, edit: SettingsEdit): Promise<void> {
  const session = parts.session;
  try {
    // Applied before anything awaits, so a send or bulk run that follows this message uses it.
    session.settings = applySettingsEdit(session.settings, edit);
    session.settingsRevision = edit.revision;
    session.notice = undefined;
    parts.show();
    await saveSettings(parts.host.globalState, session.backend.ref, session.settings);
    pruneSavedSettings(
      parts.host.globalState,
      [...parts.host.openPanels].map((panel) => panel.session),
    );
  } catch (error) {
    // Not acknowledged: the form keeps what the user typed, beside the message saying why it is not used.
    session.notice = { kind: 'error', message: errorMessage(error) };
    parts.show();
  }
}

export async function clearConversation(parts: ChatPanelParts): Promise<void> {
  const session = parts.session;
  if (session.busy) return;
  session.conversation.clear();
  session.compare?.conversation.clear();
  session.notice = undefined;
  session.lastPrompt = undefined;
  parts.save();
  await refreshContext(parts);
  parts.show();
}

export async function copyTurn(parts: ChatPanelParts, turnId: number, side: 'compare' | undefined): Promise<void> {
  const session = parts.session;
  const turn = (side === 'compare' ? session.compare?.conversation : session.conversation)?.turn(turnId);
  if (turn) await vscode.env.clipboard.writeText(turn.content);
  session.notice = { kind: 'info', message: 'Copied to the clipboard.' };
  parts.show();
}

export async function exportConversation(parts: ChatPanelParts, format: 'markdown' | 'json'): Promise<void> {
  const session = parts.session;
  const input = {
    model: session.backend.exported,
    settings: session.settings,
    conversation: session.conversation.snapshot,
    exportedAt: new Date().toISOString(),
  };
  const text = format === 'markdown' ? conversationToMarkdown(input) : conversationToJson(input);
  const name = `chat-${input.exportedAt.slice(0, 19).replace(/[:T]/g, '-')}.${format === 'markdown' ? 'md' : 'json'}`;
  await saveTextFile(
    parts,
    text,
    name,
    `Export the conversation as ${format === 'markdown' ? 'Markdown' : 'JSON'}`,
    format === 'markdown' ? { Markdown: ['md'] } : { JSON: ['json'] },
  );
}
