import type { Page } from '../entities';
import { MlflowError } from '../errors';
import type { MlflowHttp } from '../http';
import { allItems, collect } from '../paging';
import { searchLiteral } from '../searchLiteral';
import { toModelVersion, toRegisteredModel, toWirePairs, type WireModelVersion, type WireRegisteredModel } from '../wire';
import { chatMessages, type Prompt, type PromptVersion, toPrompt, toPromptVersion } from './promptEntities';
import { isPromptFilter, promptNamePattern, promptTags, promptVersionSource } from './promptTags';
import { chatTemplateJson, type PromptTemplate } from './promptTemplate';
import { parsePromptUri } from './promptUris';

export interface PromptSearch {
  /** More of MLflow's registered-model filter, e.g. `name LIKE 'greet%'`; only prompts are searched. */
  readonly filter?: string;
  /** The prompts of this experiment: those MLflow's client tagged with it (`_mlflow_experiment_ids`). */
  readonly experimentId?: string;
  readonly orderBy?: readonly string[];
  /** A page's size: 100 by default, as `mlflow.genai.search_prompts` asks. */
  readonly maxResults?: number;
  readonly pageToken?: string;
  readonly signal?: AbortSignal;
}

export interface PromptRegistration {
  /** The version's description; on a new prompt, the prompt's too (as MLflow does). */
  readonly commitMessage?: string;
  /** Tags of the version, which MLflow also sets on the prompt (a later version's values win there). */
  readonly tags?: Readonly<Record<string, string>>;
  /** Adds the prompt to this experiment, as MLflow's client does for the active experiment. */
  readonly experimentId?: string;
  readonly signal?: AbortSignal;
}

/** Checks, before any call, that the server has the prompt registry, or chat prompts (client.ts). */
export type PromptsRequirement = (what: 'registry' | 'chat') => Promise<void>;

const prompt = (name: string) => `Prompt "${name}"`;
const version = (name: string, v: string) => `Version ${v} of prompt "${name}"`;

/**
 * MLflow's prompt registry over REST, as MLflow 3.17's client drives an OSS tracking server: a
 * prompt is a registered model tagged `mlflow.prompt.is_prompt`, each version a model version
 * with its template in tags (promptTags.ts). There are no prompt endpoints: these are the
 * registered-model and model-version calls that `mlflow.genai.register_prompt`, `load_prompt`,
 * `search_prompts` and `set_prompt_alias` send (mlflow/tracking/client.py, and the default prompt
 * methods of mlflow/store/model_registry/abstract_store.py, which the REST store inherits).
 */
export class PromptsApi {
  constructor(
    private readonly http: MlflowHttp,
    private readonly require: PromptsRequirement,
  ) {}

  /** A page of prompts. MLflow's registry searches leave prompts out unless the filter asks for them. */
  async searchPrompts(search: PromptSearch = {}): Promise<Page<Prompt>> {
    await this.require('registry');
    const experiment =
      search.experimentId === undefined
        ? undefined
        : `tags.${promptTags.experimentIds} LIKE ${searchLiteral(`%,${search.experimentId},%`)}`;
    const filter = [isPromptFilter, experiment, search.filter].filter((clause) => clause).join(' AND ');
    const answer = await this.send(() =>
      this.http.json<{ registered_models?: WireRegisteredModel[]; next_page_token?: string }>(
        'GET',
        '/api/2.0/mlflow/registered-models/search',
        {
          params: { filter, order_by: search.orderBy, max_results: search.maxResults ?? 100, page_token: search.pageToken },
          signal: search.signal,
        },
      ),
    );
    return {
      items: (answer.registered_models ?? []).map((model) => toPrompt(toRegisteredModel(model))),
      nextPageToken: answer.next_page_token || undefined,
    };
  }

  /** Every prompt the search finds, a page at a time as the caller iterates. */
  allPrompts(search: Omit<PromptSearch, 'pageToken'> = {}): AsyncGenerator<Prompt> {
    return allItems((pageToken) => this.searchPrompts({ ...search, pageToken }));
  }

  async getPrompt(name: string, signal?: AbortSignal): Promise<Prompt> {
    await this.require('registry');
    const answer = await this.send(() =>
      this.http.json<{ registered_model: WireRegisteredModel }>('GET', '/api/2.0/mlflow/registered-models/get', {
        params: { name },
        subject: prompt(name),
        signal,
      }),
    );
    return toPrompt(toRegisteredModel(answer.registered_model));
  }

  /**
   * Every version of the prompt, newest first. As MLflow's `search_prompt_versions`, the name must
   * be a prompt's: a missing one does not exist, and a registered model's is `invalid`. The
   * server's version search leaves the aliases out; they are the prompt's, read first.
   */
  async listVersions(name: string, options: { pageSize?: number; signal?: AbortSignal } = {}): Promise<PromptVersion[]> {
    const prompt = await this.getPrompt(name, options.signal);
    return collect(
      allItems((pageToken) => this.versionsPage(prompt, { pageSize: options.pageSize ?? 1000, pageToken, signal: options.signal })),
    );
  }

  /**
   * A page of the prompt's versions, newest first (the explorer lists them as the user asks for
   * more). The prompt, as `getPrompt` read it, gives the versions their aliases.
   */
  async versionsPage(
    prompt: Prompt,
    options: { pageSize?: number; pageToken?: string; signal?: AbortSignal } = {},
  ): Promise<Page<PromptVersion>> {
    const { name, aliases } = prompt;
    const aliasesOf = (v: string) => Object.keys(aliases).filter((alias) => aliases[alias] === v);
    const filter = `name = ${searchLiteral(name)} AND tag.\`${promptTags.isPrompt}\` = 'true'`;
    const answer = await this.send(() =>
      this.http.json<{ model_versions?: WireModelVersion[]; next_page_token?: string }>('GET', '/api/2.0/mlflow/model-versions/search', {
        params: { filter, order_by: ['version_number DESC'], max_results: options.pageSize ?? 1000, page_token: options.pageToken },
        signal: options.signal,
      }),
    );
    const items = (answer.model_versions ?? []).map((wire) => toPromptVersion(toModelVersion(wire)));
    return { items: items.map((v) => ({ ...v, aliases: aliasesOf(v.version) })), nextPageToken: answer.next_page_token || undefined };
  }

  async getVersion(name: string, v: string, signal?: AbortSignal): Promise<PromptVersion> {
    await this.require('registry');
    const answer = await this.send(() =>
      this.http.json<{ model_version: WireModelVersion }>('GET', '/api/2.0/mlflow/model-versions/get', {
        params: { name, version: v },
        subject: version(name, v),
        signal,
      }),
    );
    return toPromptVersion(toModelVersion(answer.model_version));
  }

  /** The version the alias points at; `latest` is the newest version (the server resolves it). */
  async getByAlias(name: string, alias: string, signal?: AbortSignal): Promise<PromptVersion> {
    await this.require('registry');
    const answer = await this.send(() =>
      this.http.json<{ model_version: WireModelVersion }>('GET', '/api/2.0/mlflow/registered-models/alias', {
        params: { name, alias },
        subject: prompt(name),
        signal,
      }),
    );
    return toPromptVersion(toModelVersion(answer.model_version));
  }

  /** The version a `prompts:/name/version` or `prompts:/name@alias` URI names. */
  async getByUri(uri: string, signal?: AbortSignal): Promise<PromptVersion> {
    const reference = parsePromptUri(uri);
    return 'version' in reference
      ? this.getVersion(reference.name, reference.version, signal)
      : this.getByAlias(reference.name, reference.alias, signal);
  }

  /**
   * A new version of the prompt, the prompt created first when there is none, as
   * `mlflow.genai.register_prompt` does against a tracking server: get the registered model;
   * create it tagged as a prompt (with the tags and the commit message) or set the tags on it; then
   * create the version with the placeholder source and the template in its tags. A first version
   * the server refuses takes its new prompt away with it. A name that is a registered model's, not
   * a prompt's, is `invalid`; so are names MLflow refuses and chat templates without messages.
   */
  async registerPrompt(name: string, template: PromptTemplate, options: PromptRegistration = {}): Promise<PromptVersion> {
    const call = { method: 'POST', path: '/api/2.0/mlflow/model-versions/create', subject: prompt(name) };
    if (!promptNamePattern.test(name))
      throw new MlflowError('invalid', `"${name}" cannot be a prompt's name: MLflow takes only letters, digits, "_", "." and "-"`, call);
    const chat = typeof template !== 'string';
    const text = chat
      ? chatTemplateJson(
          chatMessages(template, () => new MlflowError('invalid', 'A chat prompt is a list of one or more {role, content} messages', call)),
        )
      : template;
    await this.require(chat ? 'chat' : 'registry');
    const { signal } = options;
    const tags = options.tags ?? {};

    const existing = await this.findModel(name, signal);
    let created = false;
    if (existing === undefined) {
      created = await this.createPrompt(name, tags, options.commitMessage, signal);
    }
    if (!created) {
      // register_prompt's check is the marker's presence (has_prompt_tag), whatever its value.
      const model = existing ?? (await this.findModel(name, signal));
      if (model && !(promptTags.isPrompt in model.tags)) {
        throw new MlflowError(
          'invalid',
          `"${name}" is a registered model, not a prompt: MLflow keeps a prompt and a model from sharing a name`,
          call,
        );
      }
      for (const [key, value] of Object.entries(tags)) {
        await this.send(() =>
          this.http.json('POST', '/api/2.0/mlflow/registered-models/set-tag', {
            body: { name, key, value },
            subject: prompt(name),
            idempotent: true,
            signal,
          }),
        );
      }
    }

    // In register_prompt's order: the caller's tags, then MLflow's (which win over a caller's same key).
    const versionTags = { ...tags, [promptTags.isPrompt]: 'true', [promptTags.type]: chat ? 'chat' : 'text', [promptTags.text]: text };
    let answer: { model_version: WireModelVersion };
    try {
      answer = await this.send(() =>
        this.http.json<{ model_version: WireModelVersion }>('POST', '/api/2.0/mlflow/model-versions/create', {
          body: { name, source: promptVersionSource, description: options.commitMessage, tags: toWirePairs(versionTags) },
          subject: prompt(name),
          signal,
        }),
      );
    } catch (error) {
      // A prompt without versions is what register_prompt never leaves behind.
      if (created)
        await this.send(() =>
          this.http.json('DELETE', '/api/2.0/mlflow/registered-models/delete', { body: { name }, subject: prompt(name) }),
        ).catch(() => undefined);
      throw error;
    }
    const registered = toPromptVersion(toModelVersion(answer.model_version));
    if (options.experimentId !== undefined) await this.addToExperiment(name, options.experimentId, signal);
    return registered;
  }

  /** Points the alias at the version, which must be one of the prompt's (MLflow checks so first). */
  async setAlias(name: string, alias: string, v: string, signal?: AbortSignal): Promise<void> {
    await this.getVersion(name, v, signal);
    await this.send(() =>
      this.http.json('POST', '/api/2.0/mlflow/registered-models/alias', {
        body: { name, alias, version: v },
        subject: prompt(name),
        idempotent: true,
        signal,
      }),
    );
  }

  async deleteAlias(name: string, alias: string, signal?: AbortSignal): Promise<void> {
    await this.require('registry');
    await this.send(() =>
      this.http.json('DELETE', '/api/2.0/mlflow/registered-models/alias', { body: { name, alias }, subject: prompt(name), signal }),
    );
  }

  /** The registered model of that name, prompt or not, or undefined when there is none. */
  private async findModel(name: string, signal?: AbortSignal): Promise<{ tags: Readonly<Record<string, string>> } | undefined> {
    try {
      const answer = await this.http.json<{ registered_model: WireRegisteredModel }>('GET', '/api/2.0/mlflow/registered-models/get', {
        params: { name },
        subject: prompt(name),
        signal,
      });
      return toRegisteredModel(answer.registered_model);
    } catch (error) {
      if (error instanceof MlflowError && error.isNotFound) return undefined;
      throw promptError(error);
    }
  }

  /** Creates the registered model as a prompt; false when another client created it first. */
  private async createPrompt(
    name: string,
    tags: Readonly<Record<string, string>>,
    description: string | undefined,
    signal?: AbortSignal,
  ): Promise<boolean> {
    try {
      await this.http.json('POST', '/api/2.0/mlflow/registered-models/create', {
        body: { name, description, tags: toWirePairs({ [promptTags.isPrompt]: 'true', ...tags }) },
        subject: prompt(name),
        signal,
      });
      return true;
    } catch (error) {
      if (error instanceof MlflowError && error.errorCode === 'RESOURCE_ALREADY_EXISTS') return false;
      throw promptError(error);
    }
  }

  /** `_link_prompt_to_experiment`: the experiment's id joins the prompt's `,1,7,` list, once. */
  private async addToExperiment(name: string, experimentId: string, signal?: AbortSignal): Promise<void> {
    const current = (await this.getPrompt(name, signal)).tags[promptTags.experimentIds] ?? '';
    const ids = current
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id);
    if (ids.includes(experimentId)) return;
    const value = `,${[...ids, experimentId].join(',')},`;
    await this.send(() =>
      this.http.json('POST', '/api/2.0/mlflow/registered-models/set-tag', {
        body: { name, key: promptTags.experimentIds, value },
        subject: prompt(name),
        idempotent: true,
        signal,
      }),
    );
  }

  private async send<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw promptError(error);
    }
  }
}

/**
 * The server's words for a prompt's failure speak of registered models and model versions; MLflow's
 * client says "prompt" instead (`translate_prompt_exception`), and so does this.
 */
function promptError(error: unknown): unknown {
  if (!(error instanceof MlflowError) || error.kind !== 'http') return error;
  const message = error.message.replace(/registered model|model version/gi, (words) =>
    words[0] === words[0]!.toUpperCase() ? 'Prompt' : 'prompt',
  );
  return message === error.message
    ? error
    : new MlflowError(error.kind, message, error.call, error.status, error.errorCode, error.serverMessage);
}
