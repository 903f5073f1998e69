import type * as vscode from 'vscode';
import type { ChatModelRef } from './chatBackend';
import type { ChatPromptLink, ChatSession } from './chatSession';
import type { ContextUsage } from './contextUsage';
import type { ConversationSnapshot } from './conversation';
import { checkChatSettings, defaultChatSettings, type ChatSettings } from './generationSettings';
import { keysToDrop, savedChatsKept, savedSettingsKept } from './savedStatePruning';

/** What workspaceState keeps of a chat, so a reload restores it. */
export interface SavedChat {
  readonly model: ChatModelRef;
  readonly conversation: ConversationSnapshot;
  readonly context?: ContextUsage;
  readonly rawMode?: boolean;
  readonly lastPrompt?: string;
  /** The prompt version the chat was filled from. */
  readonly prompt?: ChatPromptLink;
  /** Compare: the second model and its side of the conversation. */
  readonly compare?: { readonly model: ChatModelRef; readonly conversation: ConversationSnapshot };
  /** When it was last saved (ms): the oldest chats beyond the last `savedChatsKept` are dropped. */
  readonly savedAt?: number;
}

const sessionPrefix = 'phi3Mlflow.chat.session.';
const settingsPrefix = 'phi3Mlflow.chat.settings.';
const sessionKey = (id: string) => `${sessionPrefix}${id}`;
const settingsKey = (ref: ChatModelRef) => `${settingsPrefix}${ref.kind === 'local' ? ref.folder : ref.url}`;

/** The chat a restored panel's webview state names, if it is still saved. */
export function savedChatOf(
  workspaceState: vscode.Memento,
  webviewState: unknown,
): { readonly id: string; readonly saved: SavedChat } | undefined {
  const id = typeof webviewState === 'object' && webviewState !== null ? (webviewState as { sessionId?: unknown }).sessionId : undefined;
  const saved = typeof id === 'string' ? workspaceState.get<SavedChat>(sessionKey(id)) : undefined;
  return typeof id === 'string' && saved ? { id, saved } : undefined;
}

/** The settings last used with this model, or the defaults (also for settings saved by an older version that no longer check). */
export function storedSettings(globalState: vscode.Memento, ref: ChatModelRef): ChatSettings {
  try {
    return checkChatSettings({ ...defaultChatSettings, ...globalState.get<Partial<ChatSettings>>(settingsKey(ref)) });
  } catch {
    return defaultChatSettings;
  }
}

export async function saveSettings(globalState: vscode.Memento, ref: ChatModelRef, settings: ChatSettings): Promise<void> {
  await globalState.update(settingsKey(ref), { ...settings, savedAt: Date.now() });
}

export function saveChat(workspaceState: vscode.Memento, session: ChatSession): void {
  const saved: SavedChat = {
    model: session.backend.ref,
    conversation: session.conversation.snapshot,
    rawMode: session.rawMode,
    ...(session.context ? { context: session.context } : {}),
    ...(session.lastPrompt !== undefined ? { lastPrompt: session.lastPrompt } : {}),
    ...(session.prompt ? { prompt: session.prompt } : {}),
    ...(session.compare ? { compare: { model: session.compare.backend.ref, conversation: session.compare.conversation.snapshot } } : {}),
    savedAt: Date.now(),
  };
  void workspaceState.update(sessionKey(session.sessionId), saved);
}

/** Saved chats are kept for the last `savedChatsKept` panels; the open ones always. */
export function pruneSavedChats(workspaceState: vscode.Memento, open: readonly ChatSession[]): void {
  const inUse = new Set(open.map((session) => sessionKey(session.sessionId)));
  const entries = workspaceState
    .keys()
    .filter((key) => key.startsWith(sessionPrefix))
    .map((key) => ({ key, savedAt: workspaceState.get<SavedChat>(key)?.savedAt, inUse: inUse.has(key) }));
  for (const key of keysToDrop(entries, savedChatsKept)) void workspaceState.update(key, undefined);
}

/** Settings are remembered for the last `savedSettingsKept` models; those of open panels always. */
export function pruneSavedSettings(globalState: vscode.Memento, open: readonly ChatSession[]): void {
  const inUse = new Set(open.flatMap((session) => session.sides.map((side) => settingsKey(side.backend.ref))));
  const entries = globalState
    .keys()
    .filter((key) => key.startsWith(settingsPrefix))
    .map((key) => ({ key, savedAt: globalState.get<{ savedAt?: number }>(key)?.savedAt, inUse: inUse.has(key) }));
  for (const key of keysToDrop(entries, savedSettingsKept)) void globalState.update(key, undefined);
}
