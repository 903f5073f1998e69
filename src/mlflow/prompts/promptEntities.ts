/**
 * Prompts and prompt versions read from the registered models and model versions that hold them,
 * as MLflow 3.17 reads them (`model_version_to_prompt_version` in mlflow/prompt/registry_utils.py,
 * `AbstractStore.search_prompts` and `get_prompt` in mlflow/store/model_registry/abstract_store.py).
 */
import type { ModelVersion, RegisteredModel } from '../entities';
import { MlflowError } from '../errors';
import { promptTags, reservedVersionTags } from './promptTags';
import { type ChatMessage, type PromptTemplate, templateVariables } from './promptTemplate';
import { promptVersionUri } from './promptUris';

export interface Prompt {
  readonly name: string;
  readonly description: string;
  readonly creationTimestamp?: number;
  readonly lastUpdatedTimestamp?: number;
  /** The prompt's own tags (the prompt marker left out), `_mlflow_experiment_ids` among them when set. */
  readonly tags: Readonly<Record<string, string>>;
  /** alias → version */
  readonly aliases: Readonly<Record<string, string>>;
  /** The newest version's number, as the server's listing gives it (`latest_versions`); undefined when it gives none. */
  readonly latestVersion?: string;
}

export interface PromptVersion {
  readonly name: string;
  readonly version: string;
  /** `prompts:/<name>/<version>` */
  readonly uri: string;
  readonly type: 'text' | 'chat';
  readonly template: PromptTemplate;
  /** Each once, in the order they first appear. */
  readonly variables: readonly string[];
  /** The version's description; '' when none was given. */
  readonly commitMessage: string;
  /** The version's tags but the ones MLflow keeps to itself (the template, its type, the marker, …). */
  readonly tags: Readonly<Record<string, string>>;
  readonly aliases: readonly string[];
  readonly creationTimestamp?: number;
  readonly lastUpdatedTimestamp?: number;
  /** The JSON schema of the answer, when the version has one. */
  readonly responseFormat?: unknown;
  /** The model and its settings, when the version has them. */
  readonly modelConfig?: Readonly<Record<string, unknown>>;
}

/** The registered model as a prompt, or an `invalid` error for a registered model that is not one. */
export function toPrompt(model: RegisteredModel): Prompt {
  // get_prompt: a prompt's marker is exactly "true".
  if (model.tags[promptTags.isPrompt] !== 'true')
    throw notAPrompt(model.name, { method: 'GET', path: '/api/2.0/mlflow/registered-models/get' });
  const tags = Object.fromEntries(Object.entries(model.tags).filter(([key]) => key !== promptTags.isPrompt));
  const latest = model.latestVersions.reduce((max, v) => Math.max(max, Number(v.version) || 0), 0);
  return {
    name: model.name,
    description: model.description,
    creationTimestamp: model.creationTimestamp,
    lastUpdatedTimestamp: model.lastUpdatedTimestamp,
    tags,
    aliases: model.aliases,
    ...(latest ? { latestVersion: String(latest) } : {}),
  };
}

/**
 * The model version as a prompt version. As in MLflow, a version without the prompt marker is a
 * model's (`invalid`), one without a template is `malformed`, and the template is a chat prompt's
 * messages only when the type tag says `chat`: MLflow 2's prompts, which have no type tag, are text.
 */
export function toPromptVersion(version: ModelVersion): PromptVersion {
  const call = {
    method: 'GET',
    path: '/api/2.0/mlflow/model-versions/get',
    subject: `Version ${version.version} of prompt "${version.name}"`,
  };
  if (!(promptTags.isPrompt in version.tags)) throw notAPrompt(version.name, call);
  const text = version.tags[promptTags.text];
  if (text === undefined) throw new MlflowError('malformed', `${call.subject} has no template (no ${promptTags.text} tag)`, call);
  const json = (key: string, value: string): unknown => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      throw new MlflowError('malformed', `${call.subject} has a ${key} tag that is not JSON`, call);
    }
  };
  const type = version.tags[promptTags.type] === 'chat' ? 'chat' : 'text';
  const template =
    type === 'chat'
      ? chatMessages(
          json(promptTags.text, text),
          () =>
            new MlflowError('malformed', `${call.subject} is a chat prompt whose template is not a list of {role, content} messages`, call),
        )
      : text;
  const tags = Object.fromEntries(Object.entries(version.tags).filter(([key]) => !reservedVersionTags.has(key)));
  const responseFormat = version.tags[promptTags.responseFormat];
  const modelConfig = version.tags[promptTags.modelConfig];
  return {
    name: version.name,
    version: version.version,
    uri: promptVersionUri(version.name, version.version),
    type,
    template,
    variables: templateVariables(template),
    commitMessage: version.description,
    tags,
    aliases: version.aliases,
    creationTimestamp: version.creationTimestamp,
    lastUpdatedTimestamp: version.lastUpdatedTimestamp,
    ...(responseFormat === undefined ? {} : { responseFormat: json(promptTags.responseFormat, responseFormat) }),
    ...(modelConfig === undefined ? {} : { modelConfig: configObject(json(promptTags.modelConfig, modelConfig)) }),
  };

  function configObject(value: unknown): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new MlflowError('malformed', `${call.subject} has a ${promptTags.modelConfig} tag that is not a JSON object`, call);
    return value as Record<string, unknown>;
  }
}

/**
 * The value as chat messages, or the error `refuse` makes. MLflow takes any message its ChatMessage
 * model accepts; filling one needs its content as text, so that is what is taken here.
 */
export function chatMessages(value: unknown, refuse: () => Error): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) throw refuse();
  return value.map((message: unknown) => {
    if (typeof message !== 'object' || message === null) throw refuse();
    const { role, content } = message as Record<string, unknown>;
    if (typeof role !== 'string' || typeof content !== 'string') throw refuse();
    return { role, content };
  });
}

function notAPrompt(name: string, call: { method: string; path: string; subject?: string }): MlflowError {
  return new MlflowError('invalid', `"${name}" is a registered model, not a prompt`, call);
}
