import type { ViewBulk, ViewBulkRow, ViewScore, ViewScoring, ViewToHost } from '../../chat/chatProtocol';
import { el } from '../page/dom';
import { ScoringForm } from './scoringForm';

const outcomeMarks: Record<ViewScore['outcome'], string> = { pass: '✓', fail: '✗', skipped: '–', error: '?' };

/** The bulk run's section: a summary line, its buttons and the results table, one row per prompt. */
export class BulkView {
  private readonly summary = el('div', { className: 'bulk-summary', role: 'status' });
  private readonly problems = el('div', { className: 'bulk-problems' });
  private readonly exportButton: HTMLButtonElement;
  private readonly logButton: HTMLButtonElement;
  private readonly closeButton: HTMLButtonElement;
  private readonly table = el('table', { className: 'bulk-table' });
  private readonly rows = el('tbody');
  private readonly summaryTable = el('table', { className: 'score-summary' });
  private readonly scoringForm: ScoringForm;
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
    this.scoringForm = new ScoringForm(post);
    this.element = el('section', { className: 'bulk', 'aria-label': 'Bulk run results' }, [
      el('div', { className: 'bulk-head' }, [
        this.summary,
        el('div', { className: 'actions' }, [this.exportButton, this.logButton, this.closeButton]),
      ]),
      this.problems,
      this.scoringForm.element,
      this.summaryTable,
      el('div', { className: 'bulk-scroll' }, [this.table]),
    ]);
  }

  /** The whole section, for a new bulk run (or none), with its scores. */
  render(bulk: ViewBulk | undefined, logging: boolean, scoring?: ViewScoring): void {
    this.element.hidden = !bulk;
    if (!bulk) return;
    this.renderHead(bulk, logging, scoring);
    const scored = (scoring?.names.length ?? 0) > 0;
    const head: HTMLElement[] = [];
    if (bulk.models.length > 1) {
      head.push(
        el('tr', {}, [
          el('th', { colspan: '2' }),
          ...bulk.models.map((model) => el('th', { colspan: scored ? '4' : '3', className: 'model', text: model })),
        ]),
      );
    }
    head.push(
      el('tr', {}, [
        el('th', { text: 'Line' }),
        el('th', { text: 'Prompt' }),
        ...bulk.models.flatMap(() => [
          el('th', { text: 'Answer' }),
          el('th', { text: 'Tokens' }),
          el('th', { text: 'Latency (ms)' }),
          scored ? el('th', { text: 'Scores' }) : undefined,
        ]),
      ]),
    );
    this.table.replaceChildren(el('thead', {}, head), this.rows);
    this.rows.replaceChildren(
      ...bulk.rows.map((row, index) => rowElement(row, this.post, scored ? (scoring?.scores[index] ?? []) : undefined)),
    );
    this.renderSummary(bulk, scoring);
  }

  /** A row answered (`bulk` already holds it): it joins the table, and the summary counts it. */
  appendRow(bulk: ViewBulk, row: ViewBulkRow, logging: boolean): void {
    this.rows.append(rowElement(row, this.post));
    this.renderHead(bulk, logging);
  }

  /** Each scorer's pass rate, a column per model. */
  private renderSummary(bulk: ViewBulk, scoring: ViewScoring | undefined): void {
    const summary = scoring?.summary ?? [];
    this.summaryTable.hidden = summary.length === 0;
    this.summaryTable.replaceChildren(
      el('thead', {}, [el('tr', {}, [el('th', { text: 'Scorer' }), ...bulk.models.map((model) => el('th', { text: model }))])]),
      el(
        'tbody',
        {},
        summary.map((line) =>
          el('tr', { className: 'score-line' }, [el('td', { text: line.name }), ...line.perModel.map((text) => el('td', { text }))]),
        ),
      ),
    );
  }

  /** The summary line and the buttons. */
  renderHead(bulk: ViewBulk | undefined, logging: boolean, scoring?: ViewScoring): void {
    if (!bulk) return;
    this.scoringForm.element.hidden = bulk.running || bulk.rows.length === 0;
    if (scoring) this.scoringForm.render(scoring, !bulk.running && bulk.rows.length > 0 && !logging);
    const status = bulk.running ? 'running…' : bulk.cancelled ? 'stopped' : 'done';
    this.summary.textContent = `Bulk run of ${bulk.file}: ${bulk.rows.length} of ${bulk.total} prompts answered (${status})`;
    this.problems.textContent = bulk.problems ?? '';
    this.problems.hidden = !bulk.problems;
    const scoringNow = scoring?.running ?? false;
    this.exportButton.disabled = bulk.running || scoringNow || bulk.rows.length === 0;
    this.logButton.disabled = bulk.running || scoringNow || bulk.rows.length === 0 || logging;
    this.closeButton.disabled = bulk.running || scoringNow;
  }
}

/** A row; with `scores` (scored runs), each model's scores in a cell after its latency. */
function rowElement(row: ViewBulkRow, post: (message: ViewToHost) => void, scores?: ReadonlyArray<readonly ViewScore[]>): HTMLElement {
  return el('tr', { className: 'bulk-row' }, [
    el('td', { className: 'num', text: String(row.line) }),
    el('td', { className: 'prompt', text: row.prompt }),
    ...row.answers.flatMap((answer, m) => [
      el('td', { className: `answer${answer.error ? ' failed' : ''}`, title: answer.figures ?? '' }, [
        document.createTextNode(answer.text),
        answer.error ? el('div', { className: 'error', text: answer.error }) : undefined,
        answer.traceId ? traceLink(answer.traceId, post) : undefined,
      ]),
      el('td', { className: 'num', text: answer.newTokens === undefined ? '' : String(answer.newTokens) }),
      el('td', { className: 'num', text: String(answer.latencyMs) }),
      scores
        ? el(
            'td',
            { className: 'scores' },
            (scores[m] ?? []).map((result) =>
              el('span', {
                className: `score ${result.outcome}`,
                title: result.rationale,
                text: `${result.name} ${outcomeMarks[result.outcome]}`,
              }),
            ),
          )
        : undefined,
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
