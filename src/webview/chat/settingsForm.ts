// The generation settings form. Edits (src/chat/settingsEdit.ts) carry only the fields typed into
// and the number of the edit, counted from 0 for each load of this page ('ready' resets the host's
// count). A state acknowledging an older edit was posted before the host had the newest one: it
// never overwrites the form.
import type { ChatViewState, ViewToHost } from '../../chat/chatProtocol';
import type { ChatSettings } from '../../chat/generationSettings';
import { el } from '../page/dom';

type Field = keyof ChatSettings;

const labels: Record<Field, string> = {
  maxNewTokens: 'Max new tokens',
  doSample: 'Sampling',
  temperature: 'Temperature',
  topP: 'Top-p',
  topK: 'Top-k',
  repetitionPenalty: 'Repetition penalty',
  seed: 'Seed',
  stopSequences: 'Stop sequences',
};

export class SettingsForm {
  private readonly fields: Record<Field, HTMLInputElement | HTMLTextAreaElement> = {
    maxNewTokens: el('input', { id: 'max-new-tokens', type: 'number', min: '1', step: '1' }),
    doSample: el('input', { id: 'do-sample', type: 'checkbox' }),
    temperature: el('input', { id: 'temperature', type: 'number', step: '0.05' }),
    topP: el('input', { id: 'top-p', type: 'number', step: '0.05' }),
    topK: el('input', { id: 'top-k', type: 'number', step: '1', min: '0' }),
    repetitionPenalty: el('input', { id: 'repetition-penalty', type: 'number', step: '0.05' }),
    seed: el('input', { id: 'seed', type: 'number', step: '1', min: '0', placeholder: 'random' }),
    stopSequences: el('textarea', { id: 'stop-sequences', rows: '2', placeholder: 'one a line; \\n for a line break' }),
  };
  private readonly note = el('p', { className: 'note' });
  /** The fields typed into and not sent yet. */
  private readonly unsent = new Set<Field>();
  /** The number of the last edit sent. */
  private revision = 0;
  readonly element = el('details', { className: 'settings' }, [
    el('summary', { text: 'Generation settings' }),
    el(
      'div',
      { className: 'grid' },
      Object.entries(this.fields).map(([key, input]) => el('label', {}, [el('span', { text: labels[key as Field] }), input])),
    ),
    this.note,
  ]);

  constructor(private readonly post: (message: ViewToHost) => void) {
    for (const [key, input] of Object.entries(this.fields) as Array<[Field, HTMLInputElement | HTMLTextAreaElement]>) {
      input.addEventListener('input', () => this.unsent.add(key));
      input.addEventListener('change', () => {
        this.unsent.add(key);
        this.send();
      });
    }
  }

  private value(key: Field): string | boolean {
    return key === 'doSample' ? (this.fields.doSample as HTMLInputElement).checked : this.fields[key].value;
  }

  /** Sends the fields changed since the last edit; nothing when none was. */
  send(): void {
    if (this.unsent.size === 0) return;
    const changes: Partial<Record<Field, string | boolean>> = {};
    for (const key of this.unsent) changes[key] = this.value(key);
    this.unsent.clear();
    this.revision += 1;
    this.post({ type: 'settings', revision: this.revision, changes });
  }

  render(state: ChatViewState): void {
    if (state.settingsRevision >= this.revision) {
      for (const [key, field] of Object.entries(this.fields) as Array<[Field, HTMLInputElement | HTMLTextAreaElement]>) {
        // Not over what the user is typing: the field in focus, or one changed and not sent yet.
        if (this.unsent.has(key) || field === document.activeElement) continue;
        const value = state.settings[key];
        if (key === 'doSample') (field as HTMLInputElement).checked = state.settings.doSample;
        else if (key === 'stopSequences')
          field.value = state.settings.stopSequences.map((s) => s.replace(/\n/g, '\\n').replace(/\t/g, '\\t')).join('\n');
        else field.value = value === undefined || value === null ? '' : String(value);
      }
    }
    this.note.textContent = state.settingsNote ?? '';
  }
}
