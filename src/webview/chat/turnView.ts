import type { ViewModel, ViewToHost, ViewTurn } from '../../chat/chatProtocol';
import { el, withMarkers } from '../page/dom';

export type Side = 'main' | 'compare';

/** One turn of a conversation. User text is set as text; assistant HTML comes sanitized from the extension. */
export function turnElement(turn: ViewTurn, side: Side, post: (message: ViewToHost) => void): HTMLElement {
  const body = el('div', { className: 'body' });
  if (turn.role === 'user') {
    if (turn.raw) withMarkers(body, turn.text);
    else body.textContent = turn.text;
  } else body.innerHTML = turn.html ?? ''; // sanitized by the extension (markdown-it, html off, safe links only)
  const copy = el('button', {
    className: 'copy secondary',
    text: 'Copy',
    title: 'Copy this message',
    onclick: () => post(side === 'compare' ? { type: 'copy', turnId: turn.id, side } : { type: 'copy', turnId: turn.id }),
  });
  return el('article', { className: `turn ${turn.role}${turn.pending ? ' pending' : ''}`, 'data-turn-id': String(turn.id) }, [
    el('div', { className: 'role' }, [
      el('span', { text: `${turn.role === 'user' ? 'You' : 'Assistant'}${turn.raw ? ' (raw prompt)' : ''}` }),
      turn.pending ? undefined : copy,
    ]),
    body,
    turn.figures ? el('div', { className: 'figures', text: turn.figures }) : undefined,
    turn.error ? el('div', { className: 'error', role: 'alert', text: turn.error }) : undefined,
  ]);
}

/** Side by side: each model's column with its name over its own answers. */
export function columnElement(side: Side, model: ViewModel, turns: readonly ViewTurn[], post: (message: ViewToHost) => void): HTMLElement {
  return el('div', { className: 'column', 'data-side': side }, [
    el('div', { className: 'column-head' }, [
      el('strong', { className: 'column-title', text: model.title }),
      el('div', { className: 'detail', text: model.status === 'loading' ? `${model.detail} (loading…)` : model.detail }),
      model.problem ? el('div', { className: 'problem', role: 'alert', text: model.problem }) : undefined,
    ]),
    ...turns.map((turn) => turnElement(turn, side, post)),
  ]);
}
