/**
 * `prompts:/<name>/<version>` and `prompts:/<name>@<alias>`, the URIs `mlflow.genai.load_prompt`
 * takes. Parsed as MLflow 3.17 parses them (`_parse_model_uri(uri, scheme="prompts")` in
 * mlflow/store/artifact/utils/models.py, through `urllib.parse.urlparse`): unlike `models:/`, no
 * stages and no `/latest`; the latest version is the alias `@latest`, which the server resolves.
 */
import { MlflowError } from '../errors';

export type PromptReference = { readonly name: string; readonly version: string } | { readonly name: string; readonly alias: string };

export const promptVersionUri = (name: string, version: string): string => `prompts:/${name}/${version}`;
export const promptAliasUri = (name: string, alias: string): string => `prompts:/${name}@${alias}`;

export function formatPromptUri(reference: PromptReference): string {
  return 'version' in reference ? promptVersionUri(reference.name, reference.version) : promptAliasUri(reference.name, reference.alias);
}

/** The name and version or alias of a prompt URI; anything MLflow would refuse is an `invalid` error. */
export function parsePromptUri(uri: string): PromptReference {
  const refuse = () =>
    new MlflowError('invalid', `Not a prompt URI: ${uri}. Prompt URIs are prompts:/<name>/<version> or prompts:/<name>@<alias>`, {
      method: 'PARSE',
      path: 'prompt URI',
    });
  // As urlparse reads it: tabs and newlines dropped, leading spaces and control characters too, the
  // scheme in any case, an authority after `//` and a query not part of the path (a `#` is: MLflow
  // parses without fragments).
  let cleaned = uri.replace(/[\t\r\n]/g, '');
  while (cleaned !== '' && cleaned.charCodeAt(0) <= 0x20) cleaned = cleaned.slice(1);
  const scheme = /^prompts:/i.exec(cleaned);
  if (!scheme) throw refuse();
  let path = cleaned.slice(scheme[0].length);
  if (path.startsWith('//')) path = path.slice(2).replace(/^[^/?#]*/, '');
  path = path.replace(/\?.*$/s, '');
  if (!path.startsWith('/') || path.length <= 1) throw refuse();
  const parts = path.replace(/^\/+/, '').split('/');
  if (parts.length > 2 || parts[0]!.trim() === '') throw refuse();
  if (parts.length === 2) {
    const [name, suffix] = parts as [string, string];
    if (!/^[0-9]+$/.test(suffix)) throw refuse();
    return { name, version: suffix };
  }
  // `name@alias`, split at the last `@`; MLflow would pass on an empty name, for the server to refuse.
  const at = parts[0]!.lastIndexOf('@');
  if (at <= 0 || parts[0]!.slice(at + 1).trim() === '') throw refuse();
  return { name: parts[0]!.slice(0, at), alias: parts[0]!.slice(at + 1) };
}
