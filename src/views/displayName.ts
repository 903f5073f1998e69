/**
 * How a name from the tracking server is shown: as the characters it is, with its invisible
 * bidirectional controls made visible. A run named `model\u202Egnp.onnx` would otherwise read as
 * "modelxnno.png" in a tree, a quick pick or a chart legend: the right-to-left override turns the
 * rest around. Here it reads `model⟪U+202E⟫gnp.onnx`, as VS Code's editor flags the same
 * characters. HTML and Markdown need nothing here: trees, plain-string tooltips and webviews
 * (textContent) show a name as text. Two VS Code surfaces do parse markup in plain strings, and
 * have their own function below: `pickText` for quick pick items and the status bar (`$(icon)`),
 * `notificationText` for notifications (`[text](command:…)` links).
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

/**
 * An icon reference as VS Code's renderLabelWithIcons reads one in a label: `$(name)` or
 * `$(name~modifier)` (ThemeIcon.iconNameExpression `[A-Za-z0-9-]+`, iconModifierExpression
 * `~[A-Za-z]+`; src/vs/base/common/iconLabels.ts). Nothing else is an icon: `$(a b)`, `$()` and
 * `$(a~b~c)` render as their characters, so they are left as they are.
 */
const iconReference = /\$\([A-Za-z0-9-]+(?:~[A-Za-z]+)?\)/g;

/**
 * The text for a string VS Code renders with `$(icon)` syntax: a QuickPickItem's `label`,
 * `description` and `detail`, a status bar item's text, `setStatusBarMessage`, and the title of a
 * `ProgressLocation.Window` progress (shown in the status bar). A model named `$(warning) prod`
 * would otherwise show a warning icon and "prod". Bidirectional controls are made visible
 * (`displayName`), then each icon reference gets a backslash before it: VS Code renders `\$(name)`
 * as the characters `$(name)`, dropping that one backslash (its own `escapeIcons` does the same).
 *
 * Every reference gets its backslash, also one that already follows a backslash: a name that really
 * is `\$(warning)` becomes `\\$(warning)` and reads `\$(warning)` as it should (VS Code's
 * `escapeIcons` leaves it alone, and it would read `$(warning)`, like another name). So this is not
 * idempotent, by design: apply it once, to the server's text, where it is shown. A second pass shows
 * one backslash too many, never an icon; text without an icon reference never changes.
 */
export function pickText(text: string): string;
export function pickText(text: string | undefined): string | undefined;
export function pickText(text: string | undefined): string | undefined {
  return displayName(text)?.replace(iconReference, (reference) => `\\${reference}`);
}

/**
 * U+2060 WORD JOINER: no width, no glyph, no line break, and no effect on the characters beside it
 * (a zero-width joiner, U+200D, would ask emoji and some scripts to join; a zero-width space, U+200B,
 * lets the line break between `]` and `(`).
 */
const wordJoiner = '\u2060';

/**
 * The text for a notification (`showInformationMessage`, `showWarningMessage` and
 * `showErrorMessage` without `modal`, and a `ProgressLocation.Notification` progress's title and
 * messages). VS Code turns `[text](https://…)`, `[text](command:…)` and `[text](file:…)` in a
 * notification's message into links, and opens them with commands allowed: an experiment named
 * `[Open](command:workbench.action.terminal.new)` would be a link that opens a terminal. Its parser
 * (parseLinkedText, src/vs/base/common/linkedText.ts) has no escape: a backslash before `[` shows and
 * the link after it still parses. So a word joiner goes between each `]` and `(`: the text reads as
 * it is, and no link can form, as each needs `](` side by side. Bidirectional controls are made
 * visible first (`displayName`). Applying it twice gives the same text; text without `](` never
 * changes.
 *
 * Notifications do not render `$(icon)` (their text goes in as text nodes), and modal messages
 * (`modal: true`, a dialog) parse nothing: they need only `displayName`.
 */
export function notificationText(text: string): string {
  return displayName(text).replaceAll('](', `]${wordJoiner}(`);
}
