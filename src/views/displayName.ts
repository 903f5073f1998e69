/**
 * How a name from the tracking server is shown: as the characters it is, with its invisible
 * bidirectional controls made visible. A run named `model\u202Egnp.onnx` would otherwise read as
 * "modelxnno.png" in a tree, a quick pick or a chart legend: the right-to-left override turns the
 * rest around. Here it reads `model⟪U+202E⟫gnp.onnx`, as VS Code's editor flags the same
 * characters. Markup needs nothing here: every place a name goes shows it as text (plain-string
 * tooltips, textContent in webviews), never as Markdown or HTML.
 *
 * Only what is shown changes: commands act on the name as the server has it.
 */

/**
 * Unicode's Bidi_Control characters: the embeddings and overrides U+202A–U+202E, the isolates
 * U+2066–U+2069, and the marks U+200E, U+200F and U+061C (invisible, and they move neutral
 * characters such as `.` across a name).
 */
const bidiControls = /\p{Bidi_Control}/gu;

/** `⟪U+202E⟫` for U+202E: the code point, in brackets no MLflow name is likely to contain. */
export function visibleControl(character: string): string {
  return `⟪U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}⟫`;
}

/** The text with each bidirectional control shown as `⟪U+XXXX⟫`; anything else as it is. */
export function displayName(text: string): string;
export function displayName(text: string | undefined): string | undefined;
export function displayName(text: string | undefined): string | undefined {
  return text?.replace(bidiControls, visibleControl);
}

/** Whether the text holds a bidirectional control (and so reads differently from `displayName`). */
export function hasBidiControl(text: string): boolean {
  return new RegExp(bidiControls.source, 'u').test(text);
}
