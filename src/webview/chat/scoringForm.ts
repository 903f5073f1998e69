import type { ViewScoring, ViewToHost } from '../../chat/chatProtocol';
import { el } from '../page/dom';

interface ScorerRow {
  readonly kind: string;
  readonly check: HTMLInputElement;
  /** The fields the scorer is set up with, by the name the host reads (src/evaluation/scoringChoice.ts). */
  readonly fields: ReadonlyArray<readonly [string, HTMLInputElement | HTMLSelectElement]>;
}

/**
 * The bulk run's scoring form: a box per built-in scorer with its fields, the judge (picked on the
 * host, its rubric edited here) and Score. The host checks what is sent; this only gathers it.
 */
export class ScoringForm {
  private readonly rows: ScorerRow[] = [];
  private readonly judgeCheck = el('input', { type: 'checkbox', id: 'score-judge' });
  private readonly judgeName = el('span', { className: 'judge-name', text: 'no judge picked' });
  private readonly rubric = el('textarea', { id: 'judge-rubric', rows: '2', 'aria-label': 'Judge rubric' });
  private readonly pickJudgeButton: HTMLButtonElement;
  private readonly scoreButton: HTMLButtonElement;
  readonly element: HTMLElement;

  constructor(post: (message: ViewToHost) => void) {
    const input = (id: string, placeholder: string, size = '8') => el('input', { id, placeholder, size, 'aria-label': placeholder });
    const measure = el('select', { id: 'score-latency-measure', 'aria-label': 'Latency measure' }, [
      el('option', { value: 'total', text: 'total' }),
      el('option', { value: 'ttft', text: 'time to first token' }),
    ]);
    const scorer = (kind: string, label: string, fields: ScorerRow['fields'] = []) => {
      const check = el('input', { type: 'checkbox', id: `score-${kind}` });
      this.rows.push({ kind, check, fields });
      return el('label', { className: 'scorer' }, [check, el('span', { text: label }), ...fields.map(([, field]) => field)]);
    };
    this.pickJudgeButton = el('button', {
      id: 'pick-judge',
      className: 'secondary',
      text: 'Pick Judge…',
      onclick: () => post({ type: 'bulkPickJudge' }),
    });
    this.scoreButton = el('button', { id: 'bulk-score', text: 'Score', onclick: () => post({ type: 'bulkScore', choice: this.choice() }) });
    this.element = el('details', { className: 'scoring', id: 'scoring' }, [
      el('summary', { text: 'Score the answers' }),
      el('div', { className: 'scorers' }, [
        scorer('exact_match', 'exact match (expected)'),
        scorer('contains', 'contains', [['text', input('score-contains-text', 'text (or expected)', '14')]]),
        scorer('regex_match', 'regex', [
          ['pattern', input('score-regex-pattern', 'pattern', '14')],
          ['flags', input('score-regex-flags', 'flags', '3')],
        ]),
        scorer('json_valid', 'JSON valid'),
        scorer('answer_length', 'length', [
          ['min', input('score-length-min', 'min chars', '5')],
          ['max', input('score-length-max', 'max chars', '5')],
        ]),
        scorer('latency', 'latency', [
          ['measure', measure],
          ['maxMs', input('score-latency-max', 'max ms', '6')],
        ]),
        scorer('tokens_per_second', 'tokens/s', [['min', input('score-tps-min', 'min', '5')]]),
      ]),
      el('div', { className: 'judge' }, [
        el('label', { className: 'scorer' }, [this.judgeCheck, el('span', { text: 'judge:' })]),
        this.judgeName,
        this.pickJudgeButton,
        this.rubric,
      ]),
      el('div', { className: 'actions' }, [this.scoreButton]),
    ]);
  }

  private choice(): unknown {
    return {
      scorers: this.rows
        .filter((row) => row.check.checked)
        .map((row) => ({ kind: row.kind, ...Object.fromEntries(row.fields.map(([name, field]) => [name, field.value])) })),
      ...(this.judgeCheck.checked ? { judgeRubric: this.rubric.value } : {}),
    };
  }

  render(scoring: ViewScoring | undefined, canScore: boolean): void {
    if (!scoring) return;
    if (!this.rubric.value) this.rubric.value = scoring.defaultRubric;
    this.judgeName.textContent = scoring.judge ?? 'no judge picked';
    this.scoreButton.textContent = scoring.running ? 'Scoring…' : 'Score';
    this.scoreButton.disabled = !canScore || scoring.running;
    this.pickJudgeButton.disabled = !canScore || scoring.running;
  }
}
