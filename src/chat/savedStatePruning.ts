/** How many saved chats (workspaceState) and per-model settings (globalState) are kept. */
export const savedChatsKept = 20;
export const savedSettingsKept = 20;

export interface SavedEntry {
  readonly key: string;
  /** When it was last saved (ms); entries saved before this was recorded count as oldest. */
  readonly savedAt: number | undefined;
  /** In use right now (an open panel's chat, the settings of an open model): never dropped. */
  readonly inUse?: boolean;
}

/**
 * The keys to delete so at most `keep` entries remain: the least recently saved go first, and
 * an entry in use is never dropped (so more than `keep` stay while more are in use).
 */
export function keysToDrop(entries: readonly SavedEntry[], keep: number): string[] {
  const newestFirst = [...entries].sort((a, b) => (b.savedAt ?? 0) - (a.savedAt ?? 0));
  const kept = new Set(newestFirst.filter((e) => e.inUse).map((e) => e.key));
  for (const entry of newestFirst) {
    if (kept.size >= keep) break;
    kept.add(entry.key);
  }
  return newestFirst.filter((e) => !kept.has(e.key)).map((e) => e.key);
}
