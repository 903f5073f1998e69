import { InferenceError } from '../inference/inferenceError';
import { checkChatSettings, type ChatSettings } from './generationSettings';

/**
 * One edit of the generation settings in the webview: only the fields the user changed, and the
 * edit's number, which the webview counts up. The host applies the changed fields to the settings
 * it holds and echoes the number of the last edit it applied in every state it posts.
 *
 * Why not the whole form: the webview used to send every field's value on each change. A state the
 * host posted before an edit reached it, rendered after the edit, put the old values back into the
 * form, and the next change sent them as the user's — an edit lost, or one applied late, with no
 * message. Now a state older than the last edit never overwrites the form, and an edit carries
 * nothing the user did not touch.
 */
export interface SettingsEdit {
  readonly revision: number;
  readonly changes: Readonly<Record<string, unknown>>;
}

const settingKeys: ReadonlySet<string> = new Set<keyof ChatSettings>([
  'maxNewTokens',
  'doSample',
  'temperature',
  'topP',
  'topK',
  'repetitionPenalty',
  'seed',
  'stopSequences',
]);

/** An edit from the webview, checked for shape (values are checked when applied); undefined when malformed. */
export function parseSettingsEdit(raw: Record<string, unknown>): SettingsEdit | undefined {
  const { revision, changes } = raw;
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 0) return undefined;
  if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) return undefined;
  return { revision, changes: changes as Record<string, unknown> };
}

/**
 * The settings after an edit, checked with the engine's rules. Throws InferenceError('invalid-option')
 * for a bad value or a field that is not a setting; the settings held before stay as they were.
 */
export function applySettingsEdit(current: ChatSettings, edit: SettingsEdit): ChatSettings {
  const unknown = Object.keys(edit.changes).filter((key) => !settingKeys.has(key));
  if (unknown.length)
    throw new InferenceError(
      'invalid-option',
      `Invalid generation setting: ${unknown.map((key) => JSON.stringify(key)).join(', ')} is not a setting.`,
    );
  return checkChatSettings({ ...current, ...edit.changes });
}
