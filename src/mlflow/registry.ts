import { setTimeout as delay } from 'node:timers/promises';
import type { ModelVersion, Page, RegisteredModel, Stage } from './entities';
import { cancelledError, MlflowError } from './errors';
import type { MlflowHttp } from './http';
import { allItems } from './paging';
import { toModelVersion, toRegisteredModel, toWirePairs, type WireModelVersion, type WireRegisteredModel } from './wire';

export interface RegistrySearch {
  /** e.g. `name LIKE 'phi3%'`, or for versions `name = 'phi3-mini'`. */
  readonly filter?: string;
  readonly orderBy?: readonly string[];
  readonly maxResults?: number;
}

export interface NewModelVersion {
  readonly name: string;
  /** Where the model's files are: `runs:/<run>/<path>`, `models:/<model_id>`, or an artifact URI. */
  readonly source: string;
  readonly runId?: string;
  /** MLflow 3: the logged model this version registers. */
  readonly modelId?: string;
  readonly description?: string;
  readonly tags?: Record<string, string>;
}

/** What registerVersion makes: a new version, and the alias it then gets, if any. */
export interface VersionRegistration extends NewModelVersion {
  /** Set on the version once it is READY; it moves there from any other version. */
  readonly alias?: string;
}

export interface RegistrationWait {
  readonly signal?: AbortSignal;
  /** How long a PENDING_REGISTRATION version may take to become READY: 300 s, as MLflow's client waits. */
  readonly timeoutMs?: number;
  /** Between two looks at a pending version: 1 s. */
  readonly pollMs?: number;
}

/** The version was created, but did not become READY: it failed, or was still pending at the time limit. */
export class VersionRegistrationError extends Error {
  override readonly name = 'VersionRegistrationError';
  constructor(
    readonly version: ModelVersion,
    message: string,
  ) {
    super(message);
  }
}

const model = (name: string) => `Registered model "${name}"`;
const version = (name: string, v: string) => `Version ${v} of registered model "${name}"`;

/** The model registry: registered models, their versions, tags, stages and aliases. */
export class RegistryApi {
  constructor(private readonly http: MlflowHttp) {}

  // Registered models

  async searchModelsPage(search: RegistrySearch = {}, pageToken?: string, signal?: AbortSignal): Promise<Page<RegisteredModel>> {
    const answer = await this.http.json<{ registered_models?: WireRegisteredModel[]; next_page_token?: string }>(
      'GET',
      '/api/2.0/mlflow/registered-models/search',
      {
        params: { filter: search.filter, order_by: search.orderBy, max_results: search.maxResults ?? 1000, page_token: pageToken },
        signal,
      },
    );
    return { items: (answer.registered_models ?? []).map(toRegisteredModel), nextPageToken: answer.next_page_token || undefined };
  }

  searchModels(search: RegistrySearch = {}, signal?: AbortSignal): AsyncGenerator<RegisteredModel> {
    return allItems((token) => this.searchModelsPage(search, token, signal));
  }

  async getModel(name: string, signal?: AbortSignal): Promise<RegisteredModel> {
    const answer = await this.http.json<{ registered_model: WireRegisteredModel }>('GET', '/api/2.0/mlflow/registered-models/get', {
      params: { name },
      subject: model(name),
      signal,
    });
    return toRegisteredModel(answer.registered_model);
  }

  async createModel(name: string, options: { description?: string; tags?: Record<string, string> } = {}): Promise<RegisteredModel> {
    const answer = await this.http.json<{ registered_model: WireRegisteredModel }>('POST', '/api/2.0/mlflow/registered-models/create', {
      body: { name, description: options.description, tags: toWirePairs(options.tags) },
    });
    return toRegisteredModel(answer.registered_model);
  }

  async renameModel(name: string, newName: string): Promise<RegisteredModel> {
    const answer = await this.http.json<{ registered_model: WireRegisteredModel }>('POST', '/api/2.0/mlflow/registered-models/rename', {
      body: { name, new_name: newName },
      subject: model(name),
    });
    return toRegisteredModel(answer.registered_model);
  }

  async updateModelDescription(name: string, description: string): Promise<void> {
    await this.http.json('PATCH', '/api/2.0/mlflow/registered-models/update', {
      body: { name, description },
      subject: model(name),
      idempotent: true,
    });
  }

  async deleteModel(name: string): Promise<void> {
    await this.http.json('DELETE', '/api/2.0/mlflow/registered-models/delete', { body: { name }, subject: model(name) });
  }

  async setModelTag(name: string, key: string, value: string): Promise<void> {
    await this.http.json('POST', '/api/2.0/mlflow/registered-models/set-tag', {
      body: { name, key, value },
      subject: model(name),
      idempotent: true,
    });
  }

  async deleteModelTag(name: string, key: string): Promise<void> {
    await this.http.json('DELETE', '/api/2.0/mlflow/registered-models/delete-tag', { body: { name, key }, subject: model(name) });
  }

  // Model versions

  async searchVersionsPage(search: RegistrySearch = {}, pageToken?: string, signal?: AbortSignal): Promise<Page<ModelVersion>> {
    const answer = await this.http.json<{ model_versions?: WireModelVersion[]; next_page_token?: string }>(
      'GET',
      '/api/2.0/mlflow/model-versions/search',
      {
        params: { filter: search.filter, order_by: search.orderBy, max_results: search.maxResults ?? 1000, page_token: pageToken },
        signal,
      },
    );
    return { items: (answer.model_versions ?? []).map(toModelVersion), nextPageToken: answer.next_page_token || undefined };
  }

  searchVersions(search: RegistrySearch = {}, signal?: AbortSignal): AsyncGenerator<ModelVersion> {
    return allItems((token) => this.searchVersionsPage(search, token, signal));
  }

  async getVersion(name: string, v: string, signal?: AbortSignal): Promise<ModelVersion> {
    const answer = await this.http.json<{ model_version: WireModelVersion }>('GET', '/api/2.0/mlflow/model-versions/get', {
      params: { name, version: v },
      subject: version(name, v),
      signal,
    });
    return toModelVersion(answer.model_version);
  }

  /** The bare REST call: the version as the server first answers, possibly PENDING_REGISTRATION. See registerVersion. */
  async createVersion(spec: NewModelVersion, signal?: AbortSignal): Promise<ModelVersion> {
    const answer = await this.http.json<{ model_version: WireModelVersion }>('POST', '/api/2.0/mlflow/model-versions/create', {
      body: {
        name: spec.name,
        source: spec.source,
        run_id: spec.runId,
        model_id: spec.modelId,
        description: spec.description,
        tags: toWirePairs(spec.tags),
      },
      subject: model(spec.name),
      signal,
    });
    return toModelVersion(answer.model_version);
  }

  /**
   * Registers a model as `mlflow.register_model` does: the registered model is created when missing,
   * a version answered PENDING_REGISTRATION (by stores that copy the files) is waited for until it is
   * READY, and then it gets the alias, if one is asked for. Returns the version as the server has it
   * at the end. A version that fails or is still pending at the time limit is a
   * VersionRegistrationError; a cancel, an MlflowError of kind `cancelled`.
   */
  async registerVersion(spec: VersionRegistration, wait: RegistrationWait = {}): Promise<ModelVersion> {
    const { signal, timeoutMs = 300_000, pollMs = 1000 } = wait;
    const { alias, ...fields } = spec;
    if (signal?.aborted)
      throw cancelledError({ method: 'POST', path: '/api/2.0/mlflow/registered-models/create', subject: model(spec.name) });
    try {
      await this.createModel(spec.name);
    } catch (error) {
      if (!(error instanceof MlflowError && error.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw error;
    }
    let created = await this.createVersion(fields, signal);
    const deadline = Date.now() + timeoutMs;
    while (created.status === 'PENDING_REGISTRATION') {
      if (Date.now() >= deadline) {
        throw new VersionRegistrationError(
          created,
          `${version(spec.name, created.version)} is still PENDING_REGISTRATION after ${Math.round(timeoutMs / 1000)} s`,
        );
      }
      try {
        await delay(pollMs, undefined, { signal });
      } catch {
        throw cancelledError({ method: 'GET', path: '/api/2.0/mlflow/model-versions/get', subject: version(spec.name, created.version) });
      }
      created = await this.getVersion(spec.name, created.version, signal);
    }
    if (created.status !== 'READY') {
      throw new VersionRegistrationError(
        created,
        `${version(spec.name, created.version)} failed to register (${created.status})${created.statusMessage ? `: ${created.statusMessage}` : ''}`,
      );
    }
    if (!alias) return created;
    await this.setAlias(spec.name, alias, created.version, signal);
    return this.getVersion(spec.name, created.version, signal);
  }

  async updateVersionDescription(name: string, v: string, description: string): Promise<ModelVersion> {
    const answer = await this.http.json<{ model_version: WireModelVersion }>('PATCH', '/api/2.0/mlflow/model-versions/update', {
      body: { name, version: v, description },
      subject: version(name, v),
      idempotent: true,
    });
    return toModelVersion(answer.model_version);
  }

  async deleteVersion(name: string, v: string): Promise<void> {
    await this.http.json('DELETE', '/api/2.0/mlflow/model-versions/delete', { body: { name, version: v }, subject: version(name, v) });
  }

  /** Stages are deprecated since MLflow 2.9 in favour of aliases; still offered for older workflows. */
  async transitionStage(name: string, v: string, stage: Stage, archiveExistingVersions = false): Promise<ModelVersion> {
    const answer = await this.http.json<{ model_version: WireModelVersion }>('POST', '/api/2.0/mlflow/model-versions/transition-stage', {
      body: { name, version: v, stage, archive_existing_versions: archiveExistingVersions },
      subject: version(name, v),
    });
    return toModelVersion(answer.model_version);
  }

  async setVersionTag(name: string, v: string, key: string, value: string): Promise<void> {
    await this.http.json('POST', '/api/2.0/mlflow/model-versions/set-tag', {
      body: { name, version: v, key, value },
      subject: version(name, v),
      idempotent: true,
    });
  }

  async deleteVersionTag(name: string, v: string, key: string): Promise<void> {
    await this.http.json('DELETE', '/api/2.0/mlflow/model-versions/delete-tag', {
      body: { name, version: v, key },
      subject: version(name, v),
    });
  }

  /** Where the version's files are in the artifact store. */
  async downloadUri(name: string, v: string): Promise<string> {
    const answer = await this.http.json<{ artifact_uri: string }>('GET', '/api/2.0/mlflow/model-versions/get-download-uri', {
      params: { name, version: v },
      subject: version(name, v),
    });
    return answer.artifact_uri;
  }

  // Aliases

  async setAlias(name: string, alias: string, v: string, signal?: AbortSignal): Promise<void> {
    await this.http.json('POST', '/api/2.0/mlflow/registered-models/alias', {
      body: { name, alias, version: v },
      subject: model(name),
      idempotent: true,
      signal,
    });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.http.json('DELETE', '/api/2.0/mlflow/registered-models/alias', { body: { name, alias }, subject: model(name) });
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const answer = await this.http.json<{ model_version: WireModelVersion }>('GET', '/api/2.0/mlflow/registered-models/alias', {
      params: { name, alias },
      subject: `Alias @${alias} of registered model "${name}"`,
    });
    return toModelVersion(answer.model_version);
  }
}
