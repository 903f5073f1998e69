import type { ChatViewState, HostToView, OptionalStateField, ViewBulk, ViewTurn } from './chatProtocol';

/**
 * What the chat page shows, kept on the host so that a change is posted as what changed. Posting
 * the whole state on every change cost the whole conversation (and every bulk row so far) each
 * time: a bulk run of N prompts posted N growing tables. Now a page that has just loaded gets the
 * full state once; after that, the fields that changed, then the turns added or changed and the
 * bulk rows added, one message each. An answer's tokens go out as they stream (`tokens`), beside this.
 */
export class ChatViewSync {
  private shown: ChatViewState | undefined;

  /** The full state for a page that has just loaded; the changes after it are counted from it. */
  full(state: ChatViewState): HostToView {
    this.shown = state;
    return { type: 'state', state };
  }

  /** Text an answer just generated, as it streams: the new text only (the page appends it). */
  tokens(side: 'main' | 'compare', turnId: number, text: string): HostToView {
    return { type: 'tokens', turnId, text, ...(side === 'compare' ? { side } : {}) };
  }

  /** The messages that take the page from what it was sent to `next`; none before its full state. */
  changes(next: ChatViewState): HostToView[] {
    const shown = this.shown;
    if (!shown) return [];
    this.shown = next;
    const set: Record<string, unknown> = {};
    const unset: OptionalStateField[] = [];
    const after: HostToView[] = [];
    const keys = new Set([...Object.keys(shown), ...Object.keys(next)] as Array<keyof ChatViewState>);
    for (const key of keys) {
      const before = shown[key];
      const now = next[key];
      if (key === 'turns') {
        const turns = changedTurns(shown.turns, next.turns);
        if (turns) after.push(...turns.map((turn): HostToView => ({ type: 'turn', turn })));
        else set.turns = now;
      } else if (key === 'compare' && shown.compare && next.compare && same(shown.compare.model, next.compare.model)) {
        const turns = changedTurns(shown.compare.turns, next.compare.turns);
        if (turns) after.push(...turns.map((turn): HostToView => ({ type: 'turn', turn, side: 'compare' })));
        else set.compare = now;
      } else if (key === 'bulk' && shown.bulk && next.bulk && sameRun(shown.bulk, next.bulk)) {
        after.push(...next.bulk.rows.slice(shown.bulk.rows.length).map((row): HostToView => ({ type: 'bulkRow', row })));
        if (shown.bulk.running !== next.bulk.running || shown.bulk.cancelled !== next.bulk.cancelled)
          after.push({ type: 'bulkStatus', running: next.bulk.running, cancelled: next.bulk.cancelled });
      } else if (now === undefined) {
        if (before !== undefined) unset.push(key as OptionalStateField);
      } else if (!same(before, now)) set[key] = now;
    }
    const update: HostToView[] =
      Object.keys(set).length || unset.length ? [{ type: 'update', set: set as Partial<ChatViewState>, unset }] : [];
    return [...update, ...after];
  }
}

/** The turns to send one by one (new ones, and those that changed), or undefined when the list is not the old one grown (cleared). */
function changedTurns(before: readonly ViewTurn[], after: readonly ViewTurn[]): ViewTurn[] | undefined {
  if (after.length < before.length || before.some((turn, i) => turn.id !== after[i]!.id)) return undefined;
  return after.filter((turn, i) => i >= before.length || !same(before[i], turn));
}

/** The same bulk run, its rows only added to: then only the new rows and its status go. */
function sameRun(before: ViewBulk, after: ViewBulk): boolean {
  return (
    before.file === after.file &&
    before.total === after.total &&
    before.problems === after.problems &&
    same(before.models, after.models) &&
    after.rows.length >= before.rows.length &&
    before.rows.every((row, i) => same(row, after.rows[i]))
  );
}

function same(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
