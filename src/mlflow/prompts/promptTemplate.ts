/**
 * A prompt's template as MLflow 3.17 reads it: a text with `{{ variable }}` places, or a chat
 * prompt's messages with such places in their content. The variables and `fillTemplate` follow
 * `PromptVersion.variables` and `PromptVersion.format()` (mlflow/entities/model_registry/
 * prompt_version.py, mlflow/genai/prompts/utils.py) to the character, so that a template filled
 * here reads the same as one MLflow's Python client fills.
 */
import { MlflowError } from '../errors';
import { pythonJsonDumps } from '../modelDirectory/pythonJson';

export interface ChatMessage {
  readonly role: string;
  readonly content: string;
}

export type PromptTemplate = string | readonly ChatMessage[];

/**
 * What Python's `\s` matches in a str pattern: JavaScript's `\s` has U+FEFF and lacks U+001C–U+001F
 * and U+0085, so a template with those between the braces would have other variables here.
 */
const space = '[\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const name = '[a-zA-Z_][a-zA-Z0-9_]*(?:\\.[a-zA-Z_][a-zA-Z0-9_]*)*';

/** `PROMPT_TEMPLATE_VARIABLE_PATTERN`: a name, or dotted names, between double braces, spaces allowed inside. */
const variablePattern = new RegExp(`\\{\\{${space}*(${name})${space}*\\}\\}`, 'gu');

/**
 * The template's variables, each once, in the order they first appear. MLflow finds them in a chat
 * prompt's JSON as `json.dumps` writes it (roles included, and a newline inside the braces written
 * as `\n`, which is then no space), so that is where they are looked for here too.
 */
export function templateVariables(template: PromptTemplate): string[] {
  const text = typeof template === 'string' ? template : chatTemplateJson(template);
  return [...new Set(Array.from(text.matchAll(variablePattern), (match) => match[1]!))];
}

/** A chat template as MLflow stores it in the `mlflow.prompt.text` tag: Python's `json.dumps` of the messages. */
export function chatTemplateJson(messages: readonly ChatMessage[]): string {
  return pythonJsonDumps(messages.map((message) => ({ role: message.role, content: message.content })));
}

/**
 * A template with Jinja2 statements (`{% … %}`), which MLflow renders with Jinja2 instead of
 * replacing variables (`_is_jinja2_template`); for a chat prompt, any message's content.
 */
export function isJinjaTemplate(template: PromptTemplate): boolean {
  const jinja = (text: string) => text.includes('{%') && text.includes('%}');
  return typeof template === 'string' ? jinja(template) : template.some((message) => jinja(message.content));
}

export interface FillOptions {
  /** Leave the variables without a value in place instead of failing (MLflow's `allow_partial`). */
  readonly allowPartial?: boolean;
}

/**
 * The template with the values put in, as `PromptVersion.format(**values)` does: for each value in
 * turn, every `{{ name }}` of it is replaced by the value as it is (so a value holding `{{ other }}`
 * is filled by a later value for `other`, as in MLflow). A variable without a value is an `invalid`
 * error unless `allowPartial`; values for names the template does not have are ignored.
 *
 * MLflow puts each name into a regular expression unescaped; the names here may hold only what
 * that reads the same way (a `.` matches any character but a newline, as in MLflow), and a name
 * with other pattern characters is refused rather than matched differently. Jinja2 templates are
 * `unsupported`: MLflow renders those with Jinja2.
 */
export function fillTemplate(
  template: PromptTemplate,
  values: Readonly<Record<string, string>>,
  options: FillOptions = {},
): PromptTemplate {
  if (isJinjaTemplate(template)) {
    throw new MlflowError(
      'unsupported',
      'This prompt is a Jinja2 template ({% … %}): MLflow renders it with Jinja2, which is not done here',
      templateCall,
    );
  }
  const missing = templateVariables(template).filter((variable) => !Object.hasOwn(values, variable));
  if (missing.length > 0 && !options.allowPartial) {
    throw new MlflowError('invalid', `The prompt's variables ${missing.join(', ')} have no value`, templateCall);
  }
  const patterns = Object.entries(values).map(([key, value]) => [placePattern(key), value] as const);
  // A function as the replacement: the value goes in as it is, `$&` and all, as MLflow's escaped one does.
  const fill = (text: string) => patterns.reduce((filled, [pattern, value]) => filled.replace(pattern, () => value), text);
  return typeof template === 'string'
    ? fill(template)
    : template.map((message) => ({ role: message.role, content: fill(message.content) }));
}

/** Failures of the template functions concern no HTTP call; this names what failed instead. */
const templateCall = { method: 'FORMAT', path: 'prompt template' } as const;

/** `\{\{\s*<key>\s*\}\}` as Python reads it, for a key whose only pattern character is `.`. */
function placePattern(key: string): RegExp {
  if (!/^[^\\^$*+?()[\]{}|]+$/.test(key)) {
    throw new MlflowError(
      'invalid',
      `"${key}" cannot be a variable's name: MLflow reads names as regular expressions, and this one would match otherwise`,
      templateCall,
    );
  }
  return new RegExp(`\\{\\{${space}*${key.replace(/\./g, '[^\\n]')}${space}*\\}\\}`, 'gu');
}
