import { createChatBackend } from './chatBackend';
import { pickChatModel } from './chatModelPicker';
import type { ChatPanelParts } from './chatPanelParts';
import { errorMessage } from '../errorMessage';
import { ChatSide } from './chatSide';
import { Conversation } from './conversation';

/** Compare: a second model, picked by the user, asked the same messages in a column of its own. */
export async function openCompare(parts: ChatPanelParts): Promise<void> {
  const session = parts.session;
  if (session.busy) return;
  let ref;
  try {
    ref = await pickChatModel({ title: 'Compare with: the second model' });
  } catch (error) {
    session.notice = { kind: 'error', message: errorMessage(error) };
    return parts.show();
  }
  if (!ref || parts.disposed) return;
  session.compare?.backend.dispose();
  session.compare = new ChatSide(
    createChatBackend(ref, session.log, session.secrets),
    new Conversation({ systemPrompt: session.conversation.systemPrompt, turns: [] }),
    session.log,
  );
  parts.retitle();
  session.notice = undefined;
  parts.save();
  await parts.load();
}

export function closeCompare(parts: ChatPanelParts): void {
  const session = parts.session;
  if (session.busy || !session.compare) return;
  session.compare.backend.dispose();
  session.compare = undefined;
  parts.retitle();
  parts.save();
  parts.show();
}
