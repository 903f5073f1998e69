import type { ViewBulk, ViewBulkRow, ViewToHost } from '../../chat/chatProtocol';
import { el } from '../page/dom';

/** The bulk run's section: a summary line, its buttons and the results table, one row per prompt. */
export class BulkView {
  private readonly summary = el('div', { className: 'bulk-summary', role: 'status' });
  private readonly problems = el('div', { className: 'bulk-problems' });
  private readonly exportButton: HTMLButtonElement;
  private readonly logButton: HTMLButtonElement;
  private readonly closeButton: HTMLButtonElement;
  private readonly table = el('table', { className: 'bulk-table' });
  private readonly rows = el('tbody');
  readonly element: HTMLElement;

  constructor(private readonly post: (message: ViewToHost) => void) {
    this.exportButton = el('button', {
      id: 'bulk-export',
      className: 'secondary',
      text: 'Export JSONL',
      onclick: () => post({ type: 'bulkExport' }),
    });
    this.logButton = el('button', {
      id: 'bulk-log',
      className: 'secondary',
      text: 'Log Results to MLflow',
      onclick: () => post({ type: 'bulkLog' }),
    });
    this.closeButton = el('button', {
      id: 'bulk-close',
      className: 'secondary',
      text: 'Close',
      onclick: () => post({ type: 'bulkClose' }),
    });
    this.element = el('section', { className: 'bulk', 'aria-label': 'Bulk run results' }, [
      el('div', { className: 'bulk-head' }, [
        this.summary,
        el('div', { className: 'actions' }, [this.exportButton, this.logButton, this.closeButton]),
      ]),
      this.problems,
      el('div', { className: 'bulk-scroll' }, [this.table]),
    ]);
  }

  /** The whole section, for a new bulk run (or none). */
  render(bulk: ViewBulk | undefined, logging: boolean): void {
    this.element.hidden = !bulk;
    if (!bulk) return;
    this.renderHead(bulk, logging);
    const head: HTMLElement[] = [];
    if (bulk.models.length > 1) {
      head.push(
        el('tr', {}, [
          el('th', { colspan: '2' }),
          ...bulk.models.map((model) => el('th', { colspan: '3', className: 'model', text: model })),
        ]),
      );
    }
    head.push(
      el('tr', {}, [
        el('th', { text: 'Line' }),
        el('th', { text: 'Prompt' }),
        ...bulk.models.flatMap(() => [el('th', { text: 'Answer' }), el('th', { text: 'Tokens' }), el('th', { text: 'Latency (ms)' })]),
      ]),
    );
    this.table.replaceChildren(el('thead', {}, head), this.rows);
    this.rows.replaceChildren(...bulk.rows.map((row) => rowElement(row, this.post)));
  }

  /** A row answered (`bulk` already holds it): it joins the table, and the summary counts it. */
  appendRow(bulk: ViewBulk, row: ViewBulkRow, logging: boolean): void {
    this.rows.append(rowElement(row, this.post));
    this.renderHead(bulk, logging);
  }

  /** The summary line and the buttons. */
  renderHead(bulk: ViewBulk | undefined, logging: boolean): void {
    if (!bulk) return;
    const status = bulk.running ? 'running…' : bulk.cancelled ? 'stopped' : 'done';
    this.summary.textContent = `Bulk run of ${bulk.file}: ${bulk.rows.length} of ${bulk.total} prompts answered (${status})`;
    this.problems.textContent = bulk.problems ?? '';
    this.problems.hidden = !bulk.problems;
    this.exportButton.disabled = bulk.running || bulk.rows.length === 0;
    this.logButton.disabled = bulk.running || bulk.rows.length === 0 || logging;
    this.closeButton.disabled = bulk.running;
  }
}

function rowElement(row: ViewBulkRow, post: (message: ViewToHost) => void): HTMLElement {
  return el('tr', { className: 'bulk-row' }, [
    el('td', { className: 'num', text: String(row.line) }),
    el('td', { className: 'prompt', text: row.prompt }),
    ...row.answers.flatMap((answer) => [
      el('td', { className: `answer${answer.error ? ' failed' : ''}`, title: answer.figures ?? '' }, [
        document.createTextNode(answer.text),
        answer.error ? el('div', { className: 'error', text: answer.error }) : undefined,
        answer.traceId ? traceLink(answer.traceId, post) : undefined,
      ]),
      el('td', { className: 'num', text: answer.newTokens === undefined ? '' : String(answer.newTokens) }),
      el('td', { className: 'num', text: String(answer.latencyMs) }),
    ]),
  ]);
}

/** The answer's trace id, a link that opens the trace in MLflow's web UI. */
function traceLink(traceId: string, post: (message: ViewToHost) => void): HTMLElement {
  const link = el('a', { className: 'trace', href: '#', title: 'Open this trace in the MLflow UI', text: traceId });
  link.addEventListener('click', (event) => {
    event.preventDefault();
    post({ type: 'openTrace', traceId });
  });
  return el('div', { className: 'trace-id' }, [link]);
}
