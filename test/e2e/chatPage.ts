/** How the chat's end-to-end tests talk to the panel: send a message, read the figures under an answer. */
import type { FrameLocator } from 'playwright-core';

/** Types a message and sends it with Enter, as a user does. */
export async function send(chat: FrameLocator, text: string): Promise<void> {
  const message = chat.locator('#message');
  await message.fill(text);
  await message.press('Enter');
}

/** The figures under the last answer: "N tokens · … ms to first token · … tokens/s". */
export async function lastFigures(chat: FrameLocator, timeoutMs = 60_000): Promise<string> {
  const figures = chat.locator('.turn.assistant').last().locator('.figures');
  await figures.waitFor({ timeout: timeoutMs });
  return (await figures.textContent()) ?? '';
}
