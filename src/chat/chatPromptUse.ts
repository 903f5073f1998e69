import * as vscode from 'vscode';
import type { ChatMessage } from '../formats/phi3ChatFormat';
import type { PromptTemplate } from '../mlflow/prompts/promptTemplate';
import type { ChatPanelParts } from './chatPanelParts';
import { refreshContext } from './chatConversation';

/** What Use in Chat put into the panel: the system prompt, and the message left in the input box. */
export interface PromptInChat {
  readonly sessionId: string;
  readonly promptUri: string;
  readonly systemPrompt: string;
  readonly draft: string;
  /** The turns a chat prompt seeded (its messages before the last user message). */
  readonly seededTurns: number;
}

/** Chat prompts the panel can hold: its three roles. */
function chatRole(role: string): role is ChatMessage['role'] {
  return role === 'system' || role === 'user' || role === 'assistant';
}

/**
 * Fills the panel from a prompt version whose variables are filled in. A text prompt becomes the
 * system prompt (both sides when comparing), the conversation kept. A chat prompt's system
 * messages become the system prompt; its last user message goes into the input box for the user
 * to send (or edit), and the messages before it start the conversation over. The session
 * remembers the version (`prompts:/name/version`) for its logged runs and traces.
 */
export async function usePromptInChat(parts: ChatPanelParts, uri: string, filled: PromptTemplate): Promise<PromptInChat> {
  const session = parts.session;
  if (session.busy) throw new Error('The chat is busy answering: stop it or wait, then use the prompt again.');
  let systemPrompt: string;
  let draft = '';
  let seeded: ChatMessage[] | undefined;
  if (typeof filled === 'string') systemPrompt = filled;
  else {
    const other = filled.find((message) => !chatRole(message.role));
    if (other) throw new Error(`The chat takes system, user and assistant messages; this prompt has a "${other.role}" message.`);
    const messages = filled as readonly ChatMessage[];
    systemPrompt = messages
      .filter((message) => message.role === 'system')
      .map((message) => message.content)
      .join('\n\n');
    const turns = messages.filter((message) => message.role !== 'system');
    if (turns.length && turns[turns.length - 1]!.role === 'user') draft = turns.pop()!.content;
    seeded = turns;
  }
  for (const side of session.sides) {
    side.conversation.systemPrompt = systemPrompt;
    if (seeded) side.conversation.seed(seeded);
  }
  if (seeded) session.lastPrompt = undefined;
  session.prompt = { uri, systemPrompt };
  session.notice = { kind: 'info', message: `Using ${uri}${draft ? ': its message is in the input box, ready to send' : ''}.` };
  parts.save();
  await refreshContext(parts);
  parts.show();
  if (draft) parts.restoreDraft(draft);
  return { sessionId: session.sessionId, promptUri: uri, systemPrompt, draft, seededTurns: seeded?.length ?? 0 };
}

/**
 * The panel's "Register Prompt…": the system prompt as a new prompt version (the command asks for
 * the name, commit message and alias); the chat then uses that version.
 */
export async function registerSystemPrompt(parts: ChatPanelParts): Promise<void> {
  const session = parts.session;
  const systemPrompt = session.conversation.systemPrompt;
  if (!systemPrompt.trim()) {
    session.notice = { kind: 'error', message: 'The system prompt is empty: write one to register it as a prompt.' };
    return parts.show();
  }
  const registered = await vscode.commands.executeCommand<{ readonly uri: string } | undefined>('phi3Mlflow.registerPrompt', {
    systemPrompt,
  });
  if (!registered || parts.disposed) return;
  session.prompt = { uri: registered.uri, systemPrompt };
  session.notice = { kind: 'info', message: `Registered the system prompt as ${registered.uri}; the chat uses it.` };
  parts.save();
  parts.show();
}
