import type * as vscode from 'vscode';
import type { EndpointSecretReader } from './chatBackend';
import type { ChatMlflowAccess } from './chatMlflowAccess';
import type { ChatSession } from './chatSession';
import type { ChatTraceAccess } from './chatTracing';

/** What a chat panel is given: where it keeps its chats and settings, the log, and MLflow. */
export interface ChatPanelHost {
  readonly extensionUri: vscode.Uri;
  readonly workspaceState: vscode.Memento;
  readonly globalState: vscode.Memento;
  readonly log: (line: string) => void;
  /** The MLflow connection, for "Log to MLflow" (without it, the panel says logging is unavailable). */
  readonly mlflow?: ChatMlflowAccess;
  /** Logging the answers as MLflow traces (phi3Mlflow.traces.log); without it, they are not traced. */
  readonly traces?: ChatTraceAccess;
  /**
   * The open chat panels, held by the context object: each adds itself, and leaves when closed; in
   * the order they were opened or last focused, the most recent last.
   */
  readonly openPanels: Set<{ readonly session: ChatSession }>;
  /** A cloud endpoint's key or token, from SecretStorage (served-endpoint store). */
  readonly endpointSecrets?: EndpointSecretReader;
}

/**
 * What the panel's parts (chatConversation.ts, chatCompare.ts, chatBulkRun.ts, chatMlflowLogging.ts)
 * get of the panel: they change the session, then have the page show it and the chat saved.
 */
export interface ChatPanelParts {
  readonly host: ChatPanelHost;
  readonly session: ChatSession;
  readonly disposed: boolean;
  /** Posts what changed in the session to the page. */
  show(): void;
  /** Saves the chat (workspaceState), so a reload restores it. */
  save(): void;
  /** Opens the models of the sides not ready; true when the main one is. */
  load(): Promise<boolean>;
  /** The panel's title, after the models changed. */
  retitle(): void;
  /** The message was not sent: back into the input box. */
  restoreDraft(text: string): void;
  /** Text an answer just generated, to the page as it streams. */
  streamed(side: 'main' | 'compare', turnId: number, text: string): void;
}
